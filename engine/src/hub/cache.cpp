#include "vitlens/hub/cache.hpp"

#include <system_error>

#include "hub/environment.hpp"
#include "vitlens/util/error.hpp"
#include "vitlens/util/safe_file.hpp"

namespace vitlens {

namespace fs = std::filesystem;
using hub::read_text;
using hub::strip;

fs::path hub_cache_dir() {
  if (auto cache = hub::env("HF_HUB_CACHE")) return *cache;
  return hub::hf_home() / "hub";
}

HubRepoCache::HubRepoCache(fs::path cache_root, const HubModelId& id)
    : root_(std::move(cache_root)), repo_folder_name_("models--" + id.org + "--" + id.name), folder_(root_ / repo_folder_name_) {}

std::optional<std::string> HubRepoCache::commit_of(const std::string& revision) const {
  if (is_commit_hash(revision)) return revision;
  const fs::path ref = folder_ / "refs" / revision;
  std::error_code ec;
  if (!fs::is_regular_file(ref, ec)) return std::nullopt;
  const std::string commit = strip(read_text(ref));
  if (!is_commit_hash(commit)) throw Error(ref.string() + ": does not hold a commit hash (a damaged hub cache?)");
  return commit;
}

std::optional<fs::path> HubRepoCache::cached_file(const std::string& commit, const std::string& file) const {
  const fs::path entry = snapshot(commit) / file;
  std::error_code ec;
  if (!fs::is_regular_file(entry, ec)) return std::nullopt;  // follows the symlink: a dangling one is no file
  return entry;
}

fs::path HubRepoCache::lock_file(const std::string& etag) const { return root_ / ".locks" / repo_folder_name_ / (etag + ".lock"); }

void HubRepoCache::write_ref(const std::string& revision, const std::string& commit) const {
  if (revision == commit) return;
  const fs::path ref = folder_ / "refs" / revision;
  std::error_code ec;
  if (fs::exists(ref, ec) && read_text(ref) == commit) return;
  // The bare hash, no newline, written to a temporary file and renamed as huggingface_hub
  // does, so a concurrent reader never sees half a ref.
  fs::create_directories(ref.parent_path());
  write_file_safely(ref.string(), commit, true);
}

fs::path HubRepoCache::link_snapshot(const std::string& commit, const std::string& file, const std::string& etag) const {
  const fs::path entry = snapshot(commit) / file;
  const fs::path target = blob(etag);
  fs::create_directories(entry.parent_path());
  std::error_code ec;
  fs::remove(entry, ec);
  fs::create_symlink(fs::relative(target, entry.parent_path()), entry, ec);
  if (ec) {
    fs::copy_file(target, entry, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(entry.string() + ": cannot create the snapshot entry (" + ec.message() + ")");
  }
  return entry;
}

}  // namespace vitlens
