#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "hub/sha256.hpp"
#include "support/test_hub.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/hub/cache.hpp"
#include "vitlens/hub/download.hpp"
#include "vitlens/hub/resolve.hpp"

using namespace vitlens;
using namespace vitlens::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = std::string(VITLENS_SOURCE_DIR) + "/tests/fixtures/";
const std::string kTiny = "vitlens/tiny-vit";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string sha1_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha1(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string text;
  for (unsigned int i = 0; i < length; ++i) text += {hex[digest[i] >> 4], hex[digest[i] & 15]};
  return text;
}

// The hub's ETag for a small file: its git blob sha1.
std::string git_blob_sha1(const std::string& data) { return sha1_hex("blob " + std::to_string(data.size()) + std::string(1, '\0') + data); }

// What test_hub.py answers as the commit of a repository.
std::string commit_of(const std::string& repo) { return sha1_hex(repo); }

// Every entry of a folder tree: "path" for files, "path -> target" for symlinks.
std::set<std::string> tree_of(const fs::path& root) {
  std::set<std::string> entries;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const std::string relative = it->path().lexically_relative(root).string();
    if (it->is_symlink()) entries.insert(relative + " -> " + fs::read_symlink(it->path()).string());
    else if (it->is_regular_file()) entries.insert(relative);
  }
  return entries;
}

HubOptions options_for(const TestHub& hub, const TempDir& cache) {
  HubOptions options;
  options.endpoint = hub.endpoint();
  options.cache_dir = cache.path();
  return options;
}

HubModelId id_of(const std::string& text) { return parse_hub_model_id(text).value(); }

std::vector<HubRequest> file_downloads(const TestHub& hub) {
  std::vector<HubRequest> gets;
  for (const HubRequest& r : hub.requests())
    if (r.method == "GET" && (r.server == "cdn" || r.path.find("/resolve/") != std::string::npos)) gets.push_back(r);
  return gets;
}

TestHubSetup tiny_hub() { return TestHubSetup({{kTiny, kFixtures + "hf_vit"}}); }

}  // namespace

TEST_CASE("hub model ids are ORG/NAME with an optional @revision", "[hub]") {
  const HubModelId plain = id_of("google/vit-base-patch16-224");
  CHECK(plain.org == "google");
  CHECK(plain.name == "vit-base-patch16-224");
  CHECK(plain.revision == "main");
  CHECK(id_of("facebook/dino-vitb16@v1.0").revision == "v1.0");
  CHECK(id_of("a/b@refs/pr/1").revision == "refs/pr/1");
  CHECK(id_of("a/b@0123456789abcdef0123456789abcdef01234567").to_string() == "a/b@0123456789abcdef0123456789abcdef01234567");
  CHECK(is_commit_hash("0123456789abcdef0123456789abcdef01234567"));
  CHECK_FALSE(is_commit_hash("main"));
  for (const char* bad : {"fashion-vit", "a/b/c", "../x", "./model", "a/..", "/abs/path", "a/b@", "a/b@../../x", "model.safetensors"})
    CHECK_FALSE(parse_hub_model_id(bad).has_value());
}

TEST_CASE("the hub cache folder follows HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, then HOME", "[hub]") {
  const char* names[] = {"HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "HOME"};
  std::vector<std::optional<std::string>> saved;
  for (const char* name : names) saved.push_back(std::getenv(name) ? std::optional<std::string>(std::getenv(name)) : std::nullopt);
  for (const char* name : names) unsetenv(name);
  setenv("HOME", "/home/u", 1);
  CHECK(hub_cache_dir() == fs::path("/home/u/.cache/huggingface/hub"));
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  CHECK(hub_cache_dir() == fs::path("/xdg/huggingface/hub"));
  setenv("HF_HOME", "/hf", 1);
  CHECK(hub_cache_dir() == fs::path("/hf/hub"));
  setenv("HF_HUB_CACHE", "/cache", 1);
  CHECK(hub_cache_dir() == fs::path("/cache"));
  for (size_t i = 0; i < saved.size(); ++i)
    saved[i] ? setenv(names[i], saved[i]->c_str(), 1) : unsetenv(names[i]);
}

TEST_CASE("the token comes from HF_TOKEN, else HF_TOKEN_PATH, else HF_HOME/token", "[hub]") {
  TempDir home("hub-token");
  const char* names[] = {"HF_TOKEN", "HF_TOKEN_PATH", "HF_HOME", "HF_ENDPOINT", "HF_HUB_OFFLINE"};
  std::vector<std::optional<std::string>> saved;
  for (const char* name : names) saved.push_back(std::getenv(name) ? std::optional<std::string>(std::getenv(name)) : std::nullopt);
  for (const char* name : names) unsetenv(name);
  std::ofstream(home.file("token")) << "hf_from_home\n";
  std::ofstream(home.file("other")) << "hf_from_path\n";
  setenv("HF_HOME", home.path().c_str(), 1);
  CHECK(HubOptions::from_environment().token == "hf_from_home");
  CHECK(HubOptions::from_environment().cache_dir == home.path() / "hub");
  setenv("HF_TOKEN_PATH", home.file("other").c_str(), 1);
  CHECK(HubOptions::from_environment().token == "hf_from_path");
  setenv("HF_TOKEN", "hf_from_env", 1);
  setenv("HF_ENDPOINT", "https://mirror.example", 1);
  setenv("HF_HUB_OFFLINE", "1", 1);
  const HubOptions options = HubOptions::from_environment();
  CHECK(options.token == "hf_from_env");
  CHECK(options.endpoint == "https://mirror.example");
  CHECK(options.offline);
  for (size_t i = 0; i < saved.size(); ++i)
    saved[i] ? setenv(names[i], saved[i]->c_str(), 1) : unsetenv(names[i]);
}

TEST_CASE("a download writes the cache byte for byte as huggingface_hub does and fetches only what ViTLens reads", "[hub]") {
  TestHub hub(tiny_hub());
  TempDir cache("hub-layout");
  HubOptions options = options_for(hub, cache);
  options.token = TestHub::token();
  const HubModel model = fetch_hub_model(id_of(kTiny), options);

  const std::string commit = commit_of(kTiny);
  CHECK(model.commit == commit);
  CHECK(model.folder == cache.path() / ("models--vitlens--tiny-vit/snapshots/" + commit));
  const std::string config = slurp(kFixtures + "hf_vit/config.json");
  const std::string preprocessor = slurp(kFixtures + "hf_vit/preprocessor_config.json");
  const std::string weights = slurp(kFixtures + "hf_vit/model.safetensors");
  const std::string config_etag = git_blob_sha1(config), preprocessor_etag = git_blob_sha1(preprocessor);
  const std::string weights_etag = hub::sha256_of_file(kFixtures + "hf_vit/model.safetensors");
  const std::string repo = "models--vitlens--tiny-vit/";
  const std::set<std::string> expected = {
      repo + "blobs/" + config_etag,
      repo + "blobs/" + preprocessor_etag,
      repo + "blobs/" + weights_etag,
      repo + "refs/main",
      repo + "snapshots/" + commit + "/config.json -> ../../blobs/" + config_etag,
      repo + "snapshots/" + commit + "/preprocessor_config.json -> ../../blobs/" + preprocessor_etag,
      repo + "snapshots/" + commit + "/model.safetensors -> ../../blobs/" + weights_etag,
      ".locks/" + repo + config_etag + ".lock",
      ".locks/" + repo + preprocessor_etag + ".lock",
      ".locks/" + repo + weights_etag + ".lock",
  };
  CHECK(tree_of(cache.path()) == expected);
  CHECK(slurp(cache.path() / repo / "refs/main") == commit);  // the bare hash, no newline
  CHECK(slurp(cache.path() / repo / "blobs" / config_etag) == config);
  CHECK(slurp(cache.path() / repo / "blobs" / weights_etag) == weights);

  // The fixture folder also holds expected_*.safetensors: never asked for.
  for (const HubRequest& r : hub.requests()) CHECK_THAT(r.path, !Contains("expected_") && !Contains("rollout_"));
  // The token goes to the hub, never to the LFS store a redirect leads to.
  for (const HubRequest& r : hub.requests()) CHECK(r.auth == (r.server == "hub" ? "Bearer " + TestHub::token() : ""));
  CHECK(load_model(model.folder.string()).weights.pos_embed.data == load_model(kFixtures + "hf_vit").weights.pos_embed.data);
}

TEST_CASE("a second download of a cached model fetches no file", "[hub]") {
  TestHub hub(tiny_hub());
  TempDir cache("hub-again");
  fetch_hub_model(id_of(kTiny), options_for(hub, cache));
  hub.forget_requests();
  const HubModel again = fetch_hub_model(id_of(kTiny), options_for(hub, cache));
  CHECK(again.fetched.empty());
  CHECK(file_downloads(hub).empty());
}

TEST_CASE("a tag is recorded in refs/; a cached commit revision needs no ref and no request", "[hub]") {
  TestHub hub(tiny_hub());
  TempDir cache("hub-revisions");
  fetch_hub_model(id_of(kTiny + "@v1.0"), options_for(hub, cache));
  const fs::path refs = cache.path() / "models--vitlens--tiny-vit/refs";
  CHECK(slurp(refs / "v1.0") == commit_of(kTiny));
  CHECK_FALSE(fs::exists(refs / "main"));
  hub.forget_requests();
  const HubModel pinned = fetch_hub_model(id_of(kTiny + "@" + commit_of(kTiny)), options_for(hub, cache));
  CHECK(pinned.commit == commit_of(kTiny));
  CHECK(hub.requests().empty());
  CHECK(tree_of(refs) == std::set<std::string>{"v1.0"});
}

TEST_CASE("a connection dropped mid-download is resumed with a Range request", "[hub]") {
  TestHubSetup setup = tiny_hub();
  setup.drop_once = {"model.safetensors"};
  TestHub hub(setup);
  TempDir cache("hub-resume");
  const HubModel model = fetch_hub_model(id_of(kTiny), options_for(hub, cache));
  std::vector<std::string> ranges;
  for (const HubRequest& r : file_downloads(hub))
    if (r.server == "cdn") ranges.push_back(r.range);
  REQUIRE(ranges.size() == 2);
  CHECK(ranges[0].empty());
  const uint64_t size = fs::file_size(kFixtures + "hf_vit/model.safetensors");
  CHECK(ranges[1] == "bytes=" + std::to_string(size / 2) + "-");
  CHECK(slurp(model.folder / "model.safetensors") == slurp(kFixtures + "hf_vit/model.safetensors"));
}

TEST_CASE("a cancelled download leaves only a resumable .incomplete file, and the next one resumes it", "[hub]") {
  TestHub hub(tiny_hub());
  TempDir cache("hub-cancel");
  HubOptions options = options_for(hub, cache);
  options.progress = [](const HubProgress& p) { return !(p.file == "model.safetensors" && p.file_bytes_done > 0); };
  CHECK_THROWS_AS(fetch_hub_model(id_of(kTiny), options), HubCancelled);
  const fs::path repo = cache.path() / "models--vitlens--tiny-vit";
  const std::string etag = hub::sha256_of_file(kFixtures + "hf_vit/model.safetensors");
  REQUIRE(fs::exists(repo / "blobs" / (etag + ".incomplete")));
  const uint64_t kept = fs::file_size(repo / "blobs" / (etag + ".incomplete"));
  CHECK(kept > 0);
  CHECK_FALSE(fs::exists(repo / "blobs" / etag));
  CHECK_FALSE(fs::exists(fs::symlink_status(repo / "snapshots" / commit_of(kTiny) / "model.safetensors")));
  CHECK_FALSE(fs::exists(repo / "refs/main"));

  hub.forget_requests();
  options.progress = nullptr;
  const HubModel model = fetch_hub_model(id_of(kTiny), options);
  const std::vector<HubRequest> gets = file_downloads(hub);
  REQUIRE(gets.size() == 2);  // the resolve request and its redirect to the LFS store
  CHECK(gets.back().range == "bytes=" + std::to_string(kept) + "-");
  CHECK(slurp(model.folder / "model.safetensors") == slurp(kFixtures + "hf_vit/model.safetensors"));
}

TEST_CASE("offline, a model resolves from the cache alone", "[hub]") {
  TempDir cache("hub-offline");
  {
    TestHub hub(tiny_hub());
    fetch_hub_model(id_of(kTiny), options_for(hub, cache));
  }
  HubOptions options;
  options.cache_dir = cache.path();
  options.endpoint = "http://127.0.0.1:9";
  options.offline = true;
  const HubModel model = fetch_hub_model(id_of(kTiny), options);
  CHECK(model.commit == commit_of(kTiny));
  REQUIRE(model.notes.size() == 1);
  CHECK_THAT(model.notes[0], Contains("HF_HUB_OFFLINE"));
  CHECK_THROWS_WITH(fetch_hub_model(id_of("vitlens/never-fetched"), options),
                    Contains("vitlens/never-fetched") && Contains("no copy of revision 'main'"));

  options.offline = false;  // the hub is unreachable: the cache is used, and the user told
  const HubModel fallback = fetch_hub_model(id_of(kTiny), options);
  CHECK(fallback.folder == model.folder);
  CHECK_THAT(fallback.notes.at(0), Contains("could not be reached") && Contains("the cache was used"));
}

TEST_CASE("a cache written in the same layout by another tool is read", "[hub]") {
  TempDir cache("hub-foreign");
  const std::string commit(40, 'c');
  const fs::path repo = cache.path() / "models--other--vit";
  fs::create_directories(repo / "blobs");
  fs::create_directories(repo / "snapshots" / commit);
  fs::create_directories(repo / "refs");
  for (const char* file : {"config.json", "preprocessor_config.json", "model.safetensors"}) {
    const std::string etag = std::string(file) == "model.safetensors" ? hub::sha256_of_file(kFixtures + "hf_vit/" + file) : git_blob_sha1(slurp(kFixtures + "hf_vit/" + file));
    fs::copy_file(kFixtures + "hf_vit/" + file, repo / "blobs" / etag);
    fs::create_symlink(fs::path("../../blobs") / etag, repo / "snapshots" / commit / file);
  }
  std::ofstream(repo / "refs/main") << commit << "\n";
  HubOptions options;
  options.cache_dir = cache.path();
  options.offline = true;
  const HubModel model = fetch_hub_model(id_of("other/vit"), options);
  CHECK(model.folder == repo / "snapshots" / commit);
  CHECK(load_model(model.folder.string()).config.hidden_size == load_model(kFixtures + "hf_vit").config.hidden_size);
}

TEST_CASE("hub errors name the id and the cause", "[hub]") {
  TempDir bare("hub-bare-repo");
  fs::copy_file(kFixtures + "hf_vit/config.json", bare.path() / "config.json");
  TestHubSetup setup({{kTiny, kFixtures + "hf_vit"}, {"vitlens/gated", kFixtures + "hf_vit"}, {"vitlens/no-weights", bare.path().string()}});
  setup.gated = {"vitlens/gated"};
  TestHub hub(setup);
  TempDir cache("hub-errors");
  const HubOptions options = options_for(hub, cache);
  CHECK_THROWS_WITH(fetch_hub_model(id_of("vitlens/missing"), options), Contains("vitlens/missing: repository not found") && Contains("HF_TOKEN"));
  CHECK_THROWS_WITH(fetch_hub_model(id_of(kTiny + "@nope"), options), Contains(kTiny + "@nope: revision 'nope' not found"));
  CHECK_THROWS_WITH(fetch_hub_model(id_of("vitlens/gated"), options),
                    Contains("vitlens/gated: is a gated repository") && Contains("HF_TOKEN") && Contains("$HF_HOME/token"));
  CHECK_THROWS_WITH(fetch_hub_model(id_of("vitlens/no-weights"), options), Contains("vitlens/no-weights: no weights ViTLens can read"));
  HubOptions unreachable = options;
  unreachable.endpoint = "http://127.0.0.1:9";
  CHECK_THROWS_WITH(fetch_hub_model(id_of(kTiny), unreachable), Contains(kTiny + ": the hub at http://127.0.0.1:9 could not be reached"));
  CHECK_FALSE(fs::exists(cache.path() / "models--vitlens--gated" / "snapshots"));

  HubOptions with_token = options;
  with_token.token = TestHub::token();
  CHECK(fs::exists(fetch_hub_model(id_of("vitlens/gated"), with_token).folder / "model.safetensors"));
}

TEST_CASE("a model value resolves to an existing path first, then a demo name, then a hub id", "[hub]") {
  TestHub hub(tiny_hub());
  TempDir cache("hub-resolve");
  const HubOptions options = options_for(hub, cache);
  CHECK(resolve_model(kFixtures + "hf_vit", options) == kFixtures + "hf_vit");
  CHECK(fs::path(resolve_model("fashion-vit", options)).filename() == "fashion-vit");
  std::vector<std::string> notes;
  const std::string folder = resolve_model(kTiny, options, &notes);
  CHECK(folder == (cache.path() / "models--vitlens--tiny-vit/snapshots" / commit_of(kTiny)).string());
  CHECK_THAT(notes.at(0), Contains("downloaded config.json, preprocessor_config.json, model.safetensors"));
  CHECK(resolve_model("no/such/thing", options) == "no/such/thing");
  CHECK(file_downloads(hub).size() == 4);  // config, preprocessor config, weights + redirect
}

TEST_CASE("sharded weights are fetched through their index, PyTorch weights only when there is no safetensors", "[hub]") {
  TestHub hub(TestHubSetup({{"vitlens/sharded", kFixtures + "hf_vit_sharded"}, {"vitlens/pytorch", kFixtures + "pickle/hf_vit_bin_sharded"}}));
  TempDir cache("hub-shards");
  const HubModel sharded = fetch_hub_model(id_of("vitlens/sharded"), options_for(hub, cache));
  CHECK(std::set<std::string>(sharded.fetched.begin(), sharded.fetched.end()) ==
        std::set<std::string>{"config.json", "preprocessor_config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                              "model-00002-of-00002.safetensors"});
  const HubModel pytorch = fetch_hub_model(id_of("vitlens/pytorch"), options_for(hub, cache));
  CHECK(pytorch.fetched.size() == 5);
  CHECK(std::count(pytorch.fetched.begin(), pytorch.fetched.end(), "pytorch_model.bin.index.json") == 1);
  CHECK(load_model(pytorch.folder.string()).weights.pos_embed.data == load_model(sharded.folder.string()).weights.pos_embed.data);
}

TEST_CASE("a weights file whose sha256 differs from its ETag is refused and removed", "[hub]") {
  TestHubSetup setup = tiny_hub();
  setup.corrupt = {"model.safetensors"};
  TestHub hub(setup);
  TempDir cache("hub-corrupt");
  CHECK_THROWS_WITH(fetch_hub_model(id_of(kTiny), options_for(hub, cache)),
                    Contains(kTiny + ": model.safetensors: the download's sha256") && Contains("differs from the hub's"));
  const fs::path repo = cache.path() / "models--vitlens--tiny-vit";
  for (const auto& entry : fs::directory_iterator(repo / "blobs")) CHECK(fs::file_size(entry.path()) < 4096);  // only the small JSON files
  CHECK_FALSE(fs::exists(fs::symlink_status(repo / "snapshots" / commit_of(kTiny) / "model.safetensors")));
}
