// Failures in the middle of a run, injected through the engine's test hook
// (vitlens/util/fault_injection.hpp): each gives a clear error, and the same Session then
// runs correctly again.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>

#include "support/random_model.hpp"
#include "support/vulkan_device.hpp"
#include "vitlens/backend/device_lost.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/util/error.hpp"
#include "vitlens/util/fault_injection.hpp"
#include "support/tensor_compare.hpp"

using namespace vitlens;
using vitlens::test::max_abs_diff;
using test::first_vulkan_device;
using test::random_pixels;
using test::random_vit;

namespace {

struct Clear {
  ~Clear() { clear_faults(); }
};

// Arms `fault` at the 1st, 2nd, ... operation of `run` until a run gets through untouched.
// Every failing run must throw an Error with `expected` in it, and the next run on the same
// session must match `good`. Returns how many operations failed.
int fail_every_operation(Fault fault, const std::string& expected, const std::function<Tensor()>& run, const Tensor& good) {
  const Clear clear;
  int failed = 0;
  for (int nth = 1; nth <= 500; ++nth) {
    inject_fault(fault, nth);
    try {
      run();
      break;
    } catch (const Error& e) {
      INFO("operation " << nth << ": " << e.what());
      CHECK_THAT(e.what(), Catch::Contains(expected) && Catch::Contains("Vulkan device '"));
      ++failed;
    }
    clear_faults();
    CHECK(max_abs_diff(run(), good) <= 1e-5f);
  }
  return failed;
}

}  // namespace

TEST_CASE("a failed device allocation in the middle of a run throws an error naming the device, and the session runs again",
          "[vulkan][faults]") {
  const auto device = first_vulkan_device();
  if (!device) {
    WARN("no Vulkan device: skipped");
    return;
  }
  Session session(random_vit({}), *device);
  const Tensor small = random_pixels(32, 32), large = random_pixels(40, 48);
  const Tensor good_small = session.run(small, AttentionRequest::all()).attention;
  const Tensor good_large = session.run(large, AttentionRequest::all()).attention;
  // A fresh session per size, so the graph for that size is built (and allocates) inside the run.
  Session fresh(session.shared_model(), *device);
  CHECK(fail_every_operation(Fault::Allocation, "could not allocate", [&] { return fresh.run(large, AttentionRequest::all()).attention; },
                             good_large) > 0);
  CHECK(fail_every_operation(Fault::Allocation, "could not allocate", [&] { return fresh.run(small, AttentionRequest::all()).attention; },
                             good_small) > 0);
  const Tensor good_gradient = session.explain(small, {}).attention_grad;
  CHECK(fail_every_operation(Fault::Allocation, "could not allocate", [&] { return fresh.explain(small, {}).attention_grad; },
                             good_gradient) > 0);
}

TEST_CASE("a device lost in the middle of a run throws DeviceLost, and the session starts the device again for the next run",
          "[vulkan][faults]") {
  const auto device = first_vulkan_device();
  if (!device) {
    WARN("no Vulkan device: skipped");
    return;
  }
  Session session(random_vit({}), *device);
  const Tensor pixels = random_pixels(32, 32);
  const Tensor good = session.run(pixels, AttentionRequest::all()).attention;
  const Tensor good_gradient = session.explain(pixels, {}).attention_grad;
  {
    const Clear clear;
    inject_fault(Fault::DeviceLost, 1);
    CHECK_THROWS_AS(session.run(pixels, AttentionRequest::all()), DeviceLost);
  }
  // Every submission of a forward pass and of an explanation, the device started again after each.
  CHECK(fail_every_operation(Fault::DeviceLost, "VK_ERROR_DEVICE_LOST", [&] { return session.run(pixels, AttentionRequest::all()).attention; },
                             good) > 0);
  CHECK(fail_every_operation(Fault::DeviceLost, "the device was lost", [&] { return session.explain(pixels, {}).attention_grad; },
                             good_gradient) > 0);
}

TEST_CASE("VITLENS_FAULT values other than alloc:N and device_lost:N are refused by name", "[faults]") {
  CHECK_THROWS_WITH(inject_faults_from("alloc:0"), Catch::Contains("VITLENS_FAULT"));
  CHECK_THROWS_WITH(inject_faults_from("disk_full:1"), Catch::Contains("'disk_full:1' is not alloc:N or device_lost:N"));
  CHECK_THROWS_WITH(inject_faults_from("alloc:x"), Catch::Contains("VITLENS_FAULT"));
  inject_faults_from("alloc:7,device_lost:2");
  clear_faults();
}
