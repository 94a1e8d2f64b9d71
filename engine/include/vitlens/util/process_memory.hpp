#pragma once

namespace vitlens {

// Tunes this process's allocator for image after image of inference, as the programs (the CLI
// and the app) start. An explanation hands back tensors of tens of MiB (every layer's
// attention and its gradient); by default glibc returns such blocks to the system when they
// are freed, and the next image faults every page in again: on a 2-core VM that took 80 to
// 150 ms per ViT-B/16 relevance map, as long as its backward pass. Here blocks up to 32 MiB
// (glibc's largest threshold) come from the heap, and up to 256 MiB of freed memory at its
// top stays there for the next image instead of being trimmed. A no-op off glibc.
void keep_freed_memory_for_reuse();

}  // namespace vitlens
