#pragma once
#include <cstdint>
#include <map>
#include <string>

namespace vitlens {

// A zip archive as torch.save writes it (PyTorch >= 1.6): entries stored uncompressed, found
// through the central directory (zip64 records too). Every offset and size is checked
// against the file, so a truncated or hostile archive is refused rather than over-read.
class ZipArchive {
 public:
  struct Entry {
    uint64_t data_offset = 0;  // where the entry's bytes start in the file
    uint64_t size = 0;
  };

  // Throws vitlens::Error naming `path` when it is not a zip archive ViTLens can read.
  static ZipArchive open(const std::string& path);
  static bool looks_like_zip(const std::string& path);

  const std::string& path() const { return path_; }
  const std::map<std::string, Entry>& entries() const { return entries_; }
  const Entry* find(const std::string& name) const;
  std::string read(const Entry& entry) const;

 private:
  std::string path_;
  std::map<std::string, Entry> entries_;
};

}  // namespace vitlens
