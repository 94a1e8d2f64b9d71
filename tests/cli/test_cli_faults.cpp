// A failed allocation or a lost device in the middle of a CLI run, injected with
// VITLENS_FAULT: the image it hits gets a clear error, exit code 1, and the next image runs.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/vulkan_device.hpp"

using vitlens::test::ProcessResult;

namespace {

const std::string kCli = VITLENS_CLI_PATH;
const std::string kFixtures = std::string(VITLENS_SOURCE_DIR) + "/tests/fixtures/";
const std::string kFruits = kFixtures + "images/fruits.jpg";

// classify of the same image twice, with `fault` armed in the child only (never in this
// process, which reads VITLENS_FAULT too).
ProcessResult classify_twice(const std::string& device, const std::string& fault) {
  return vitlens::test::run_process({"/usr/bin/env", "VITLENS_FAULT=" + fault, kCli, "classify", "--model", kFixtures + "hf_vit",
                                     "--device", device, "--json", kFruits, kFruits});
}

// The predictions of the images that were classified.
std::vector<nlohmann::json> predictions(const ProcessResult& run) {
  const auto document = nlohmann::json::parse(run.out);
  std::vector<nlohmann::json> top;
  for (const auto& result : document.at("results")) top.push_back(result.at("top"));
  return top;
}

}  // namespace

TEST_CASE("classify with a device lost on the first image exits 1 with a clear error and classifies the second",
          "[cli][faults][vulkan]") {
  const auto device = vitlens::test::first_vulkan_device();
  if (!device) {
    WARN("no Vulkan device: skipped");
    return;
  }
  const ProcessResult clean = classify_twice(device->id(), "");
  REQUIRE(clean.exit_code == 0);
  const ProcessResult lost = classify_twice(device->id(), "device_lost:1");
  INFO(lost.out << lost.err);
  CHECK(lost.exit_code == 1);
  CHECK_THAT(lost.err, Catch::Contains("Vulkan device '" + device->name) && Catch::Contains("VK_ERROR_DEVICE_LOST") &&
                           Catch::Contains("1 of 2 images could not be classified"));
  REQUIRE(predictions(lost).size() == 1);
  CHECK(predictions(lost).front() == predictions(clean).front());
}

TEST_CASE("classify with a failed allocation in the middle of a run exits 1 naming the device and classifies the next image",
          "[cli][faults][vulkan]") {
  const auto device = vitlens::test::first_vulkan_device();
  if (!device) {
    WARN("no Vulkan device: skipped");
    return;
  }
  // The first allocations belong to loading the model (a failure there ends the run before
  // any image); the ones after are the first image's graph.
  bool hit_a_run = false;
  for (int nth = 1; nth <= 40 && !hit_a_run; ++nth) {
    const ProcessResult run = classify_twice(device->id(), "alloc:" + std::to_string(nth));
    INFO("alloc:" << nth << '\n' << run.out << run.err);
    if (run.exit_code == 0) break;
    CHECK(run.exit_code == 1);
    CHECK_THAT(run.err, Catch::Contains("Vulkan device '" + device->name) && Catch::Contains("could not allocate"));
    hit_a_run = run.err.find("1 of 2 images could not be classified") != std::string::npos;
  }
  CHECK(hit_a_run);
}
