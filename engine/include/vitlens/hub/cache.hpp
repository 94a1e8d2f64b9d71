#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "vitlens/hub/model_id.hpp"

namespace vitlens {

// The folder huggingface_hub keeps downloads in, shared with every Python tool: HF_HUB_CACHE,
// else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
std::filesystem::path hub_cache_dir();

// One model repository in that cache, read and written exactly as huggingface_hub does:
//   models--ORG--NAME/blobs/ETAG            file contents (ETAG: sha256 for LFS files)
//   models--ORG--NAME/blobs/ETAG.incomplete a download in progress
//   models--ORG--NAME/refs/REVISION         the commit a branch or tag pointed to
//   models--ORG--NAME/snapshots/COMMIT/FILE a relative symlink to ../../blobs/ETAG
class HubRepoCache {
 public:
  HubRepoCache(std::filesystem::path cache_root, const HubModelId& id);

  const std::filesystem::path& folder() const { return folder_; }
  // The commit `revision` means without asking the hub: itself for a commit hash, else what
  // refs/REVISION holds. Nothing when the cache has never seen that revision.
  std::optional<std::string> commit_of(const std::string& revision) const;
  std::filesystem::path snapshot(const std::string& commit) const { return folder_ / "snapshots" / commit; }
  // The snapshot entry for `file`, when it exists and its blob is there.
  std::optional<std::filesystem::path> cached_file(const std::string& commit, const std::string& file) const;

  std::filesystem::path blob(const std::string& etag) const { return folder_ / "blobs" / etag; }
  std::filesystem::path incomplete_blob(const std::string& etag) const { return folder_ / "blobs" / (etag + ".incomplete"); }
  // The lock huggingface_hub takes while it writes that blob (.locks/models--ORG--NAME/ETAG.lock).
  std::filesystem::path lock_file(const std::string& etag) const;

  // Records that `revision` (a branch or tag) points at `commit`; nothing for a commit hash.
  void write_ref(const std::string& revision, const std::string& commit) const;
  // Makes snapshots/COMMIT/FILE a relative symlink to the blob (a copy where the file system
  // has no symlinks), replacing whatever was there.
  std::filesystem::path link_snapshot(const std::string& commit, const std::string& file, const std::string& etag) const;

 private:
  std::filesystem::path root_;
  std::string repo_folder_name_;
  std::filesystem::path folder_;
};

}  // namespace vitlens
