#pragma once
#include <filesystem>
#include <string>

namespace vitlens::hub {

// The file's SHA-256 in lower-case hex (OpenSSL's libcrypto), as the hub names LFS blobs.
std::string sha256_of_file(const std::filesystem::path& file);

}  // namespace vitlens::hub
