#include "util/regular_file.hpp"

#include <filesystem>
#include <system_error>

#include "vitlens/util/error.hpp"

namespace vitlens {

namespace fs = std::filesystem;

void require_regular_file(const std::string& path) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (status.type() == fs::file_type::not_found) throw Error(path + ": no such file");
  if (error) throw Error(path + ": cannot be opened (" + error.message() + ")");
  switch (status.type()) {
    case fs::file_type::regular: return;
    case fs::file_type::directory: throw Error(path + ": is a folder, not a file");
    case fs::file_type::fifo: throw Error(path + ": is a FIFO (named pipe), not a regular file");
    case fs::file_type::socket: throw Error(path + ": is a socket, not a regular file");
    case fs::file_type::block:
    case fs::file_type::character: throw Error(path + ": is a device, not a regular file");
    default: throw Error(path + ": is not a regular file");
  }
}

}  // namespace vitlens
