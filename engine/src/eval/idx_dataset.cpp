#include "vitlens/eval/idx_dataset.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <memory>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

constexpr int kImagesMagic = 0x00000803;
constexpr int kLabelsMagic = 0x00000801;
// Far more than any IDX dataset holds; a corrupt header must not make us allocate gigabytes.
constexpr int64_t kMaxBytes = int64_t{1} << 31;

// zlib's gzread reads gzip and, transparently, uncompressed files.
class GzFile {
 public:
  explicit GzFile(const std::string& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    if (!file_) throw Error(path + ": cannot open for reading");
  }
  ~GzFile() { gzclose(file_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  void read(void* into, int64_t bytes, const char* what) {
    auto* out = static_cast<char*>(into);
    while (bytes > 0) {
      const unsigned chunk = static_cast<unsigned>(std::min<int64_t>(bytes, 1 << 30));
      const int got = gzread(file_, out, chunk);
      if (got < 0) throw Error(path_ + ": is not a readable gzip or IDX file (" + error_text() + ")");
      if (got == 0) throw Error(path_ + ": ends before its " + what + " (truncated IDX file)");
      out += got;
      bytes -= got;
    }
  }

  int32_t big_endian_int(const char* what) {
    std::array<unsigned char, 4> b{};
    read(b.data(), 4, what);
    return static_cast<int32_t>((uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3]);
  }

  const std::string& path() const { return path_; }

 private:
  std::string error_text() {
    int code = 0;
    const char* text = gzerror(file_, &code);
    return text ? text : "unknown error";
  }

  std::string path_;
  gzFile file_;
};

void expect_magic(GzFile& file, int magic, const char* kind) {
  const int32_t found = file.big_endian_int("header");
  if (found != magic)
    throw Error(file.path() + ": is not an IDX " + kind + " file (magic number " + std::to_string(found) + ", expected " +
                std::to_string(magic) + ")");
}

int dimension(GzFile& file, const char* name) {
  const int32_t value = file.big_endian_int("header");
  if (value <= 0) throw Error(file.path() + ": IDX header gives " + name + " " + std::to_string(value));
  return value;
}

}  // namespace

cv::Mat IdxImages::image(int i) const {
  if (i < 0 || i >= count()) throw Error("IDX image index " + std::to_string(i) + " is out of range [0, " + std::to_string(count()) + ")");
  auto* data = const_cast<uint8_t*>(pixels.data()) + static_cast<size_t>(i) * rows * cols;
  return cv::Mat(rows, cols, CV_8UC1, data);
}

IdxImages read_idx_dataset(const std::string& images_path, const std::string& labels_path) {
  IdxImages set;
  GzFile images(images_path);
  expect_magic(images, kImagesMagic, "images");
  const int count = dimension(images, "an image count of");
  set.rows = dimension(images, "a row count of");
  set.cols = dimension(images, "a column count of");
  // Each factor is below 2^31, so rows x cols fits; the count joins only under the cap
  // (three factors can pass 2^63: the IDX fuzz target found it).
  const int64_t image_bytes = int64_t{set.rows} * set.cols;
  const int64_t bytes = image_bytes == 0 || count <= kMaxBytes / image_bytes ? image_bytes * count : kMaxBytes + 1;
  if (bytes > kMaxBytes) throw Error(images_path + ": IDX header describes " + std::to_string(count) + " images of " + std::to_string(set.rows) + "x" +
                                         std::to_string(set.cols) + " pixels, more than any dataset this reads");
  // Read in slices, so that a small (truncated) file whose header claims gigabytes fails at
  // its end instead of allocating the whole claim first (the IDX fuzz target found it).
  constexpr int64_t kSlice = int64_t{1} << 24;
  for (int64_t done = 0; done < bytes;) {
    const int64_t n = std::min(kSlice, bytes - done);
    set.pixels.resize(static_cast<size_t>(done + n));
    images.read(set.pixels.data() + done, n, "images");
    done += n;
  }

  GzFile labels(labels_path);
  expect_magic(labels, kLabelsMagic, "labels");
  const int label_count = dimension(labels, "a label count of");
  if (label_count != count)
    throw Error(labels_path + ": has " + std::to_string(label_count) + " labels but " + images_path + " has " + std::to_string(count) + " images");
  std::vector<uint8_t> raw(static_cast<size_t>(count));
  labels.read(raw.data(), count, "labels");
  set.labels.assign(raw.begin(), raw.end());
  return set;
}

}  // namespace vitlens
