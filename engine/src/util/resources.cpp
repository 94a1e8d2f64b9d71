#include "vitlens/util/resources.hpp"

#include <algorithm>
#include <system_error>

namespace vitlens {

namespace fs = std::filesystem;

namespace {

bool is_dir(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::optional<fs::path> executable_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  return exe.parent_path();
}

bool holds_model(const fs::path& folder) {
  std::error_code ec;
  if (fs::exists(folder / "config.json", ec)) return true;
  for (const auto& entry : fs::directory_iterator(folder, ec))
    if (entry.path().extension() == ".safetensors") return true;
  return false;
}

}  // namespace

std::optional<fs::path> resources_dir() {
  std::vector<fs::path> candidates;
  if (auto exe = executable_dir()) candidates.push_back(*exe / ".." / "share" / "vitlens" / "resources");
  candidates.emplace_back(VITLENS_INSTALLED_RESOURCES_DIR);
  candidates.emplace_back(VITLENS_SOURCE_RESOURCES_DIR);
  for (const fs::path& c : candidates)
    if (is_dir(c)) return fs::weakly_canonical(c);
  return std::nullopt;
}

std::vector<fs::path> demo_models() {
  std::vector<fs::path> models;
  auto root = resources_dir();
  std::error_code ec;
  if (!root) return models;
  for (const auto& entry : fs::directory_iterator(*root / "models", ec))
    if (entry.is_directory() && holds_model(entry.path())) models.push_back(entry.path());
  std::sort(models.begin(), models.end());
  return models;
}

std::string locate_model(const std::string& spec) {
  std::error_code ec;
  if (spec.empty() || fs::exists(spec, ec)) return spec;
  for (const fs::path& demo : demo_models())
    if (demo.filename() == spec) return demo.string();
  return spec;
}

}  // namespace vitlens
