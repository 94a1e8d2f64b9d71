#include "vitlens/hub/download.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>

#include "hub/environment.hpp"
#include "hub/http.hpp"
#include "hub/sha256.hpp"
#include "vitlens/hub/cache.hpp"

namespace vitlens {

namespace fs = std::filesystem;
using json = nlohmann::json;
using hub::HttpClient;
using hub::HttpResponse;
using hub::env;
using hub::env_true;
using hub::hf_home;
using hub::read_text;
using hub::strip;

namespace {

// The files ViTLens reads, in the order it prefers weights.
const std::vector<std::string> kWeightFiles = {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"};

const char* kTokenHelp =
    "a token is needed: put it in HF_TOKEN, or in the file HF_TOKEN_PATH or $HF_HOME/token "
    "(~/.cache/huggingface/token, where `huggingface-cli login` writes it)";

std::string read_token() {
  if (auto token = env("HF_TOKEN")) return strip(*token);
  const fs::path file = env("HF_TOKEN_PATH") ? fs::path(*env("HF_TOKEN_PATH")) : hf_home() / "token";
  std::error_code ec;
  return fs::is_regular_file(file, ec) ? strip(read_text(file)) : "";
}

// An ETag header as huggingface_hub keeps it: without a weak-validator prefix or quotes.
std::string normalize_etag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag = etag.substr(2);
  etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());
  return etag;
}

std::string human_size(uint64_t bytes) {
  std::ostringstream text;
  text.precision(1);
  text << std::fixed;
  if (bytes >= (1ull << 30)) text << static_cast<double>(bytes) / (1ull << 30) << " GiB";
  else if (bytes >= (1ull << 20)) text << static_cast<double>(bytes) / (1ull << 20) << " MiB";
  else if (bytes >= (1ull << 10)) text << static_cast<double>(bytes) / (1ull << 10) << " KiB";
  else text << bytes << " bytes";
  return text.str();
}

// An exclusive lock on the file huggingface_hub locks while it writes the same blob, so
// ViTLens and a Python tool never write one .incomplete file at once.
class BlobLock {
 public:
  explicit BlobLock(const fs::path& path) {
    fs::create_directories(path.parent_path());
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) throw Error(path.string() + ": cannot lock (" + std::strerror(errno) + ")");
  }
  ~BlobLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  BlobLock(const BlobLock&) = delete;
  BlobLock& operator=(const BlobLock&) = delete;

 private:
  int fd_ = -1;
};

struct RemoteFile {
  std::string name;
  std::string etag;
  uint64_t size = 0;
  bool lfs = false;
};

class Fetcher {
 public:
  Fetcher(const HubModelId& id, const HubOptions& options)
      : id_(id), options_(options), cache_(options.cache_dir.empty() ? hub_cache_dir() : options.cache_dir, id), http_(options.token) {}

  HubModel fetch() {
    if (options_.offline) return from_cache("HF_HUB_OFFLINE is set, so only the cache was used");
    // A commit never changes: its complete snapshot needs no network, as in huggingface_hub.
    if (is_commit_hash(id_.revision) && has_complete_snapshot(id_.revision)) {
      commit_ = id_.revision;
      return result();
    }
    try {
      return fetch_online();
    } catch (const hub::HttpUnreachable& e) {
      return from_cache(std::string("the hub at ") + options_.endpoint + " could not be reached (" + e.what() + "), so the cache was used");
    }
  }

 private:
  HubModelId id_;
  const HubOptions& options_;
  HubRepoCache cache_;
  HttpClient http_;
  std::string commit_;
  uint64_t total_ = 0;
  uint64_t done_ = 0;
  std::vector<std::string> fetched_;
  std::vector<std::string> notes_;

  HubModel fetch_online() {
    const json info = model_info();
    commit_ = info.value("sha", "");
    if (!is_commit_hash(commit_)) fail("the hub's answer names no commit (\"sha\")");
    const std::set<std::string> siblings = sibling_names(info);
    if (!siblings.count("config.json")) fail("the repository has no config.json, so it is not a model ViTLens can read");
    std::vector<std::string> metadata = {"config.json"};
    if (siblings.count("preprocessor_config.json")) metadata.push_back("preprocessor_config.json");
    const std::string weights = choose_weights(siblings);
    const bool sharded = weights.size() > 11 && weights.substr(weights.size() - 11) == ".index.json";
    if (sharded) metadata.push_back(weights);
    for (const std::string& file : metadata)
      if (!cache_.cached_file(commit_, file)) download(describe(file));
    std::vector<std::string> weight_files = sharded ? shards_of(cache_.snapshot(commit_) / weights) : std::vector<std::string>{weights};
    std::vector<RemoteFile> missing;
    for (const std::string& file : weight_files)
      if (!cache_.cached_file(commit_, file)) missing.push_back(describe(file));
    for (const RemoteFile& file : missing) total_ += file.size;
    check_space(missing);
    for (const RemoteFile& file : missing) download(file);
    cache_.write_ref(id_.revision, commit_);
    return result();
  }

  [[noreturn]] void fail(const std::string& cause) const { throw Error(id_.to_string() + ": " + cause); }

  std::string url(const std::string& path) const {
    std::string base = options_.endpoint;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + path;
  }

  std::string resolve_url(const std::string& file) const {
    std::string path = "/";
    path.append(id_.repo()).append("/resolve/").append(commit_).append("/").append(hub::url_quote(file, true));
    return url(path);
  }

  // The hub's errors, as huggingface_hub reads them: X-Error-Code first, then the status.
  [[noreturn]] void fail_for(const HttpResponse& response, const std::string& what) const {
    const std::string code = response.header("x-error-code");
    if (code == "GatedRepo")
      fail("is a gated repository: accept its conditions on " + url("/" + id_.repo()) + ", then " + kTokenHelp +
           (options_.token.empty() ? "" : " (the token given was refused)"));
    if (code == "RevisionNotFound") fail("revision '" + id_.revision + "' not found (expected a branch, a tag or a commit)");
    if (code == "EntryNotFound") fail(what + " not found at commit " + commit_);
    if (code == "RepoNotFound" || response.status == 404 || response.status == 401)
      fail("repository not found on " + options_.endpoint + (options_.token.empty() ? std::string(" (if it is private, ") + kTokenHelp + ")" : " (or the token given cannot see it)"));
    if (response.status == 403) fail(std::string("access refused (HTTP 403); ") + kTokenHelp);
    if (response.status >= 500) throw hub::HttpUnreachable("HTTP " + std::to_string(response.status) + " from " + options_.endpoint);
    fail(what + ": unexpected HTTP " + std::to_string(response.status) + " from " + options_.endpoint);
  }

  json model_info() const {
    const HttpResponse response = http_.get(url("/api/models/" + id_.repo() + "/revision/" + hub::url_quote(id_.revision, false)));
    if (response.status != 200) fail_for(response, "model info");
    try {
      return json::parse(response.body);
    } catch (const json::exception&) {
      fail("the hub's model info is not JSON");
    }
  }

  static std::set<std::string> sibling_names(const json& info) {
    std::set<std::string> names;
    if (!info.contains("siblings") || !info["siblings"].is_array()) return names;
    for (const json& sibling : info["siblings"])
      if (sibling.is_object() && sibling.value("rfilename", json()).is_string()) names.insert(sibling["rfilename"].get<std::string>());
    return names;
  }

  std::string choose_weights(const std::set<std::string>& siblings) const {
    for (const std::string& file : kWeightFiles)
      if (siblings.count(file)) return file;
    std::string listed;
    for (const std::string& name : siblings) listed += (listed.empty() ? "" : ", ") + name;
    fail("no weights ViTLens can read (model.safetensors, pytorch_model.bin or their sharded indexes); the repository holds: " + listed);
  }

  std::vector<std::string> shards_of(const fs::path& index) const {
    const std::string index_file = index.filename().string();
    json parsed;
    try {
      parsed = json::parse(read_text(index));
    } catch (const json::exception&) {
      fail(index_file + " is not valid JSON");
    }
    if (!parsed.contains("weight_map") || !parsed["weight_map"].is_object()) fail(index_file + " has no \"weight_map\" object");
    std::set<std::string> shards;
    for (const auto& [tensor, shard] : parsed["weight_map"].items()) {
      const std::string name = shard.is_string() ? shard.get<std::string>() : "";
      if (name.empty() || name.find("..") != std::string::npos || name.front() == '/') fail(index_file + " names an unusable shard for tensor '" + tensor + "'");
      shards.insert(name);
    }
    return {shards.begin(), shards.end()};
  }

  // HEAD on the file, following only redirects within the hub (renamed repositories, its
  // resolve cache), as huggingface_hub does: the redirect to the file store carries the
  // metadata itself.
  HttpResponse head(const std::string& file) const {
    std::string target = resolve_url(file);
    for (int hops = 0;; ++hops) {
      HttpResponse response = http_.head(target);
      const std::string location = response.header("location");
      const bool relative = location.size() > 1 && location[0] == '/' && location[1] != '/';
      if (response.status < 300 || response.status >= 400 || !relative || hops == 5) return response;
      target = url(location);
    }
  }

  RemoteFile describe(const std::string& file) const {
    const HttpResponse response = head(file);
    if (response.status >= 400) fail_for(response, file);
    RemoteFile remote;
    remote.name = file;
    remote.lfs = !response.header("x-linked-etag").empty();
    remote.etag = normalize_etag(remote.lfs ? response.header("x-linked-etag") : response.header("etag"));
    const std::string size = !response.header("x-linked-size").empty() ? response.header("x-linked-size") : response.header("content-length");
    remote.size = size.empty() ? 0 : std::strtoull(size.c_str(), nullptr, 10);
    if (remote.etag.empty() || remote.etag.find('/') != std::string::npos || remote.etag.find("..") != std::string::npos)
      fail(file + ": the hub sent no usable ETag, so the file cannot be cached");
    return remote;
  }

  void check_space(const std::vector<RemoteFile>& files) const {
    uint64_t needed = 0;
    for (const RemoteFile& file : files) {
      std::error_code ec;
      const uint64_t have = fs::exists(cache_.incomplete_blob(file.etag), ec) ? fs::file_size(cache_.incomplete_blob(file.etag), ec) : 0;
      needed += file.size > have ? file.size - have : 0;
    }
    fs::create_directories(cache_.folder() / "blobs");
    std::error_code ec;
    const fs::space_info space = fs::space(cache_.folder(), ec);
    if (!ec && space.available < needed)
      fail("disk full: the download needs " + human_size(needed) + " but " + cache_.folder().string() + " has " + human_size(space.available) + " free");
  }

  bool report(const RemoteFile& file, uint64_t file_done) const {
    if (!options_.progress) return true;
    HubProgress progress{file.name, file_done, file.size, done_ + file_done, std::max(total_, done_ + file_done)};
    return options_.progress(progress);
  }

  void download(const RemoteFile& file) {
    const fs::path blob = cache_.blob(file.etag);
    std::error_code ec;
    fs::create_directories(blob.parent_path());
    if (!fs::exists(blob, ec)) {
      const BlobLock lock(cache_.lock_file(file.etag));
      if (!fs::exists(blob, ec)) fetch_blob(file);
      fetched_.push_back(file.name);
    }
    cache_.link_snapshot(commit_, file.name, file.etag);
    done_ += file.size;
  }

  // Downloads into blobs/ETAG.incomplete, resuming from what it holds; the blob appears only
  // once the whole file is there (and its sha256 matches, for LFS files).
  void fetch_blob(const RemoteFile& file) {
    const fs::path partial = cache_.incomplete_blob(file.etag);
    std::error_code ec;
    if (!report(file, fs::exists(partial, ec) ? fs::file_size(partial, ec) : 0))
      throw HubCancelled(id_.to_string() + ": download cancelled before " + file.name);
    try {
      receive(file, partial);
    } catch (const hub::HttpCancelled&) {
      throw HubCancelled(id_.to_string() + ": download cancelled; " + partial.string() + " keeps what was fetched and the next download resumes from it");
    } catch (const hub::HttpWriteError& e) {
      fail(file.name + ": cannot write " + partial.string() + " (" + e.what() + (e.error_number == ENOSPC ? "; the disk is full" : "") + ")");
    }
    store(file, partial);
  }

  // Fetches the rest of the file, resuming with a Range request each time the connection
  // breaks, as huggingface_hub does.
  void receive(const RemoteFile& file, const fs::path& partial) const {
    constexpr int kAttempts = 5;
    const hub::HttpProgress progress = [&](uint64_t received) { return report(file, received); };
    for (int attempt = 1;; ++attempt) {
      try {
        const HttpResponse response = http_.download(resolve_url(file.name), partial, progress);
        std::error_code ec;
        const uint64_t have = fs::file_size(partial, ec);
        if (response.status == 416 && file.size && have == file.size) return;  // it was complete already
        if (response.status >= 400) fail_for(response, file.name);
        if (!file.size || have >= file.size) return;
        if (attempt == kAttempts) fail(file.name + ": the connection kept closing early; download again to resume from " + partial.string());
      } catch (const hub::HttpUnreachable& e) {
        if (attempt == kAttempts)
          fail(file.name + ": network error (" + e.what() + "); " + partial.string() + " keeps what was fetched and the next download resumes from it");
        std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt));
      }
    }
  }

  void store(const RemoteFile& file, const fs::path& partial) const {
    const uint64_t have = fs::file_size(partial);
    if (file.size && have != file.size) fail(file.name + ": got " + std::to_string(have) + " bytes, the hub announced " + std::to_string(file.size));
    if (file.lfs && file.etag.size() == 64) {
      const std::string sha = hub::sha256_of_file(partial);
      if (sha != file.etag) {
        fs::remove(partial);
        fail(file.name + ": the download's sha256 " + sha + " differs from the hub's " + file.etag + "; the damaged file was removed, download again");
      }
    }
    fs::rename(partial, cache_.blob(file.etag));
  }

  // config.json and one complete set of weights (every shard of an index).
  bool has_complete_snapshot(const std::string& commit) const {
    if (!cache_.cached_file(commit, "config.json")) return false;
    for (const std::string& file : kWeightFiles) {
      if (!cache_.cached_file(commit, file)) continue;
      if (file.find(".index.json") == std::string::npos) return true;
      const std::vector<std::string> shards = shards_of(cache_.snapshot(commit) / file);
      if (std::all_of(shards.begin(), shards.end(), [&](const std::string& shard) { return cache_.cached_file(commit, shard).has_value(); })) return true;
    }
    return false;
  }

  // What the cache alone holds for the revision; the snapshot must have config.json and a
  // complete set of weights.
  HubModel from_cache(const std::string& why) {
    const std::optional<std::string> commit = cache_.commit_of(id_.revision);
    if (!commit) fail(why.substr(0, why.rfind(", so")) + " and the cache " + cache_.folder().string() + " has no copy of revision '" + id_.revision + "'");
    if (!has_complete_snapshot(*commit)) fail("the cached snapshot " + cache_.snapshot(*commit).string() + " lacks config.json or complete weights (" + why + ")");
    commit_ = *commit;
    notes_.push_back(id_.to_string() + ": " + why + " (commit " + commit_ + ")");
    return result();
  }

  HubModel result() const {
    HubModel model;
    model.folder = cache_.snapshot(commit_);
    model.commit = commit_;
    model.fetched = fetched_;
    model.notes = notes_;
    return model;
  }
};

}  // namespace

HubOptions HubOptions::from_environment() {
  HubOptions options;
  if (auto endpoint = env("HF_ENDPOINT")) options.endpoint = *endpoint;
  options.token = read_token();
  options.offline = env_true("HF_HUB_OFFLINE");
  options.cache_dir = hub_cache_dir();
  return options;
}

HubModel fetch_hub_model(const HubModelId& id, const HubOptions& options) { return Fetcher(id, options).fetch(); }

}  // namespace vitlens
