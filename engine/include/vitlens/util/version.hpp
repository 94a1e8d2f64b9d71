#pragma once
#include <string>

namespace vitlens {

// The release this build carries ("0.1.0"), from the project's CMake version.
const char* version();

// The git commit the build was made from: its abbreviated hash, with "-dirty" when the
// sources differed from it, or "unknown" when they were not a git checkout. Recomputed at
// every build, so an incremental build never reports a stale commit.
const char* build_commit();

// "0.1.0 (commit 0eedc04d1f2a)": what both programs print for --version.
std::string version_text();

}  // namespace vitlens
