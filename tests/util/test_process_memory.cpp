// The allocator setting the CLI and the app start with (util/process_memory.hpp).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#include <malloc.h>
#define VITLENS_TEST_GLIBC_MALLOC 1
#endif

#include "vitlens/util/process_memory.hpp"

TEST_CASE("once set, a 24 MiB tensor comes from the heap and stays there after it is freed", "[resources]") {
#if VITLENS_TEST_GLIBC_MALLOC
  vitlens::keep_freed_memory_for_reuse();
  const size_t mapped_before = mallinfo2().hblkhd;
  auto* block = static_cast<char*>(std::malloc(24u << 20));
  REQUIRE(block);
  block[0] = 1;
  CHECK(mallinfo2().hblkhd == mapped_before);  // not a fresh mapping of its own
  std::free(block);
  CHECK(mallinfo2().fordblks >= (24u << 20));  // kept as free heap for the next image
#else
  WARN("not glibc's allocator (or a sanitizer's): nothing to check");
#endif
}
