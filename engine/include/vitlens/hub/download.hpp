#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "vitlens/hub/model_id.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {

// How far a download has come, for a progress bar: the file being fetched, its bytes so
// far (counting what an earlier attempt left in its .incomplete file) and its size.
struct HubProgress {
  std::string file;
  uint64_t file_bytes_done = 0;
  uint64_t file_bytes_total = 0;
  uint64_t bytes_done = 0;   // over every file this call downloads
  uint64_t bytes_total = 0;
};

// Returns false to cancel; the download then stops, keeping what it has as a resumable
// .incomplete file.
using HubProgressCallback = std::function<bool(const HubProgress&)>;

// Where and how to reach the hub. from_environment() reads what huggingface_hub reads:
// HF_ENDPOINT (default https://huggingface.co), HF_TOKEN, else the file HF_TOKEN_PATH, else
// $HF_HOME/token; HF_HUB_OFFLINE=1 (cache only); the cache folder (hub_cache_dir()).
struct HubOptions {
  std::string endpoint = "https://huggingface.co";
  std::string token;
  bool offline = false;
  std::filesystem::path cache_dir;
  HubProgressCallback progress;

  static HubOptions from_environment();
};

// A model made available on disk: the snapshot folder load_model reads, the commit it
// holds, and what a user should be told (e.g. that the hub was unreachable and the cache
// was used).
struct HubModel {
  std::filesystem::path folder;
  std::string commit;
  std::vector<std::string> fetched;  // files downloaded by this call
  std::vector<std::string> notes;
};

// Thrown when the progress callback cancelled a download.
class HubCancelled : public Error {
 public:
  using Error::Error;
};

// Makes the files ViTLens reads from `id` present in the cache and returns their snapshot:
// config.json, preprocessor_config.json, and model.safetensors (or its index and shards),
// else pytorch_model.bin (or its index and shards). Only missing files are downloaded;
// LFS files are checked against their sha256. Offline, or when the hub cannot be reached,
// the cache alone answers. Throws vitlens::Error naming the id and the cause: repository
// not found, gated or private (a token is needed), revision not found, no weights ViTLens
// can read, disk full, network down.
HubModel fetch_hub_model(const HubModelId& id, const HubOptions& options);

}  // namespace vitlens
