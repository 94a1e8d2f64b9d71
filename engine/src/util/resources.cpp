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

// A folder installed under <prefix>/share, looked for beside the running executable, then
// under the prefix the engine was built for, then in the source tree.
std::optional<fs::path> installed_folder(const fs::path& below_datadir, const fs::path& in_source_tree) {
  std::vector<fs::path> candidates;
  if (auto exe = executable_dir()) candidates.push_back(*exe / ".." / "share" / below_datadir);
  candidates.push_back(fs::path(VITLENS_INSTALL_DATADIR) / below_datadir);
  candidates.push_back(fs::path(VITLENS_SOURCE_DIR) / in_source_tree);
  for (const fs::path& c : candidates)
    if (is_dir(c)) return fs::weakly_canonical(c);
  return std::nullopt;
}

}  // namespace

std::optional<fs::path> resources_dir() { return installed_folder("vitlens/resources", "resources"); }

std::optional<fs::path> docs_dir() { return installed_folder("doc/vitlens", "docs"); }

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
