#include "vitlens/hub/model_id.hpp"

#include <algorithm>
#include <cctype>

namespace vitlens {

namespace {

bool is_name_part(const std::string& part) {
  if (part.empty() || part == "." || part == ".." || part.size() > 96) return false;
  return std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.'; });
}

// Branches and tags may hold '/' (refs/pr/1) but nothing that could climb out of refs/.
bool is_revision(const std::string& revision) {
  if (revision.empty() || revision.front() == '/' || revision.back() == '/' || revision.find("..") != std::string::npos) return false;
  return std::all_of(revision.begin(), revision.end(), [](unsigned char c) { return std::isgraph(c) && c != '\\'; });
}

}  // namespace

std::string HubModelId::to_string() const { return revision == "main" ? repo() : repo() + "@" + revision; }

bool is_commit_hash(const std::string& revision) {
  return revision.size() == 40 && std::all_of(revision.begin(), revision.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<HubModelId> parse_hub_model_id(const std::string& text) {
  const size_t at = text.find('@');
  const std::string repo = text.substr(0, at);
  const size_t slash = repo.find('/');
  if (slash == std::string::npos) return std::nullopt;
  HubModelId id;
  id.org = repo.substr(0, slash);
  id.name = repo.substr(slash + 1);
  if (!is_name_part(id.org) || !is_name_part(id.name)) return std::nullopt;
  if (at != std::string::npos) {
    id.revision = text.substr(at + 1);
    if (!is_revision(id.revision)) return std::nullopt;
  }
  return id;
}

}  // namespace vitlens
