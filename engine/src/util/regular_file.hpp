#pragma once
#include <string>

namespace vitlens {

// Checks that `path` names a regular file (symlinks followed) before anything opens it.
// Opening a FIFO blocks until a writer appears and a character device may never end, so
// readers of outside files call this first. Throws vitlens::Error naming the file and the
// problem: missing, a symlink loop, not searchable, a folder, or a FIFO, socket or device.
void require_regular_file(const std::string& path);

}  // namespace vitlens
