#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "support/process.hpp"
#include "support/test_hub.hpp"

using namespace vitlens::test;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const std::string kCli = VITLENS_CLI_PATH;
const std::string kFixtures = std::string(VITLENS_SOURCE_DIR) + "/tests/fixtures/";

// Sets environment variables for the CLI subprocesses of one test, restoring them after.
class Environment {
 public:
  void set(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    setenv(name.c_str(), value.c_str(), 1);
  }
  ~Environment() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it)
      it->second ? setenv(it->first.c_str(), it->second->c_str(), 1) : unsetenv(it->first.c_str());
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

ProcessResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  return run_process(args);
}

}  // namespace

TEST_CASE("cli: download fetches a hub model into the cache and --model takes its id", "[cli][hub]") {
  TestHubSetup setup({{"vitlens/tiny-vit", kFixtures + "hf_vit"}});
  setup.gated = {"vitlens/tiny-vit"};
  TestHub hub(setup);
  TempDir cache("cli-hub");
  Environment env;
  env.set("HF_ENDPOINT", hub.endpoint());
  env.set("HF_HUB_CACHE", cache.path().string());
  env.set("HF_TOKEN", TestHub::token());

  const ProcessResult download = cli({"download", "vitlens/tiny-vit"});
  INFO(download.err);
  REQUIRE(download.exit_code == 0);
  const fs::path snapshot = download.out.substr(0, download.out.find('\n'));
  CHECK(snapshot.parent_path() == cache.path() / "models--vitlens--tiny-vit" / "snapshots");
  CHECK(fs::exists(snapshot / "model.safetensors"));
  CHECK(download.err.find('\r') == std::string::npos);  // no progress bar when stderr is no terminal

  env.set("HF_HUB_OFFLINE", "1");
  const ProcessResult info = cli({"info", "--model", "vitlens/tiny-vit", "--json"});
  INFO(info.err);
  REQUIRE(info.exit_code == 0);
  CHECK(nlohmann::json::parse(info.out)["model"] == snapshot.string());
  CHECK_THAT(info.err, Contains("HF_HUB_OFFLINE"));
}

TEST_CASE("cli: hub errors exit 1 naming the id, a malformed id is a usage error", "[cli][hub]") {
  TestHub hub(TestHubSetup({{"vitlens/tiny-vit", kFixtures + "hf_vit"}}));
  TempDir cache("cli-hub-errors");
  Environment env;
  env.set("HF_ENDPOINT", hub.endpoint());
  env.set("HF_HUB_CACHE", cache.path().string());
  const ProcessResult missing = cli({"download", "vitlens/missing"});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Contains("vitlens/missing: repository not found"));
  const ProcessResult revision = cli({"info", "--model", "vitlens/tiny-vit@nope"});
  CHECK(revision.exit_code == 1);
  CHECK_THAT(revision.err, Contains("revision 'nope' not found"));
  CHECK(cli({"download", "not-an-id"}).exit_code == 2);
}

TEST_CASE("cli: on a terminal, download draws a progress bar with the size and speed", "[cli][hub]") {
  TestHub hub(TestHubSetup({{"vitlens/tiny-vit", kFixtures + "hf_vit"}}));
  TempDir cache("cli-hub-bar");
  Environment env;
  env.set("HF_ENDPOINT", hub.endpoint());
  env.set("HF_HUB_CACHE", cache.path().string());
  // script(1) runs the command on a pseudo-terminal and copies what it printed.
  const ProcessResult run = run_process({"/usr/bin/script", "-qec", kCli + " download vitlens/tiny-vit", "/dev/null"});
  INFO(run.out);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.out, Contains("model.safetensors") && Contains(" MiB  ") && Contains(" MiB/s") && Contains("\r"));
}
