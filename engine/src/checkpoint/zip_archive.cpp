#include "checkpoint/zip_archive.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "vitlens/util/error.hpp"

namespace vitlens {

namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr uint64_t kMaxEntries = 1'000'000;

[[noreturn]] void fail(const std::string& path, const std::string& problem) { throw Error(path + ": " + problem); }

uint64_t little(const std::string& bytes, size_t at, int width) {
  uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[at + static_cast<size_t>(i)]);
  return value;
}

class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    std::error_code ec;
    size_ = std::filesystem::file_size(path, ec);
    if (ec || !in_) fail(path, "cannot open for reading");
  }
  uint64_t size() const { return size_; }
  std::string bytes(uint64_t offset, uint64_t count, const char* what) {
    if (offset > size_ || count > size_ - offset) fail(path_, std::string("the zip archive's ") + what + " lies outside the file (truncated or damaged?)");
    std::string data(count, '\0');
    in_.seekg(static_cast<std::streamoff>(offset));
    if (!in_.read(data.data(), static_cast<std::streamsize>(count))) fail(path_, std::string("cannot read the zip archive's ") + what);
    return data;
  }

 private:
  std::string path_;
  std::ifstream in_;
  uint64_t size_ = 0;
};

struct Directory {
  uint64_t count = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

Directory find_directory(Reader& file, const std::string& path) {
  const uint64_t tail_size = std::min<uint64_t>(file.size(), 22 + 65535);
  const std::string tail = file.bytes(file.size() - tail_size, tail_size, "end");
  if (tail_size < 22) fail(path, "is too short to be a zip archive (truncated?)");
  for (size_t at = tail_size - 22 + 1; at-- > 0;) {
    if (little(tail, at, 4) != kEndOfDirectory) continue;
    Directory directory{little(tail, at + 10, 2), little(tail, at + 16, 4), little(tail, at + 12, 4)};
    const uint64_t end_offset = file.size() - tail_size + at;
    if (directory.count == 0xFFFF || directory.offset == 0xFFFFFFFF || directory.size == 0xFFFFFFFF) {
      if (end_offset < 20) fail(path, "has a damaged zip64 end record");
      const std::string locator = file.bytes(end_offset - 20, 20, "zip64 locator");
      if (little(locator, 0, 4) != kZip64Locator) fail(path, "has a damaged zip64 end record");
      const std::string record = file.bytes(little(locator, 8, 8), 56, "zip64 end record");
      if (little(record, 0, 4) != kZip64EndOfDirectory) fail(path, "has a damaged zip64 end record");
      directory = {little(record, 32, 8), little(record, 48, 8), little(record, 40, 8)};
    }
    return directory;
  }
  fail(path, "has no zip end-of-directory record (truncated, or not a zip archive)");
}

// Sizes and offsets of 0xFFFFFFFF live in the zip64 extra field, in this order.
void apply_zip64(const std::string& extra, uint64_t& size, uint64_t& compressed, uint64_t& offset) {
  for (size_t at = 0; at + 4 <= extra.size();) {
    const uint64_t id = little(extra, at, 2), length = little(extra, at + 2, 2);
    if (at + 4 + length > extra.size()) return;
    if (id == 1) {
      size_t field = at + 4;
      for (uint64_t* value : {&size, &compressed, &offset})
        if (*value == 0xFFFFFFFF && field + 8 <= at + 4 + length) {
          *value = little(extra, field, 8);
          field += 8;
        }
    }
    at += 4 + length;
  }
}

}  // namespace

bool ZipArchive::looks_like_zip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

ZipArchive ZipArchive::open(const std::string& path) {
  Reader file(path);
  const Directory directory = find_directory(file, path);
  if (directory.count > kMaxEntries) fail(path, "claims " + std::to_string(directory.count) + " zip entries, too many to be a checkpoint");
  const std::string listing = file.bytes(directory.offset, directory.size, "central directory");
  ZipArchive archive;
  archive.path_ = path;
  size_t at = 0;
  for (uint64_t i = 0; i < directory.count; ++i) {
    if (at + 46 > listing.size() || little(listing, at, 4) != kCentralHeader) fail(path, "has a damaged zip central directory");
    const uint64_t method = little(listing, at + 10, 2);
    uint64_t compressed = little(listing, at + 20, 4), size = little(listing, at + 24, 4);
    const uint64_t name_length = little(listing, at + 28, 2), extra_length = little(listing, at + 30, 2), comment_length = little(listing, at + 32, 2);
    uint64_t local = little(listing, at + 42, 4);
    if (at + 46 + name_length + extra_length + comment_length > listing.size()) fail(path, "has a damaged zip central directory");
    const std::string name = listing.substr(at + 46, name_length);
    apply_zip64(listing.substr(at + 46 + name_length, extra_length), size, compressed, local);
    at += 46 + name_length + extra_length + comment_length;
    if (method != 0 || compressed != size)
      fail(path, "zip entry '" + name + "' is compressed; PyTorch stores checkpoint entries uncompressed, so this is not a torch.save file");
    const std::string header = file.bytes(local, 30, "local header");
    if (little(header, 0, 4) != kLocalHeader) fail(path, "zip entry '" + name + "' points to no local header (damaged archive)");
    Entry entry;
    entry.data_offset = local + 30 + little(header, 26, 2) + little(header, 28, 2);
    entry.size = size;
    if (entry.data_offset > file.size() || entry.size > file.size() - entry.data_offset)
      fail(path, "zip entry '" + name + "' runs past the end of the file (truncated?)");
    archive.entries_[name] = entry;
  }
  return archive;
}

const ZipArchive::Entry* ZipArchive::find(const std::string& name) const {
  const auto found = entries_.find(name);
  return found == entries_.end() ? nullptr : &found->second;
}

std::string ZipArchive::read(const Entry& entry) const {
  Reader file(path_);
  return file.bytes(entry.data_offset, entry.size, "entry");
}

}  // namespace vitlens
