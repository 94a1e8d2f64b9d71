#pragma once
#include <string>

#include <opencv2/core.hpp>

namespace vitlens {

// Writes `bytes` to `path` so that the file appears complete or not at all: the data goes
// to a hidden temporary file in the same folder, which is then renamed into place, so an
// interrupted run leaves no half-written output. Without `overwrite` an existing file is
// never replaced. Throws vitlens::Error naming the path ("out/a.png: already exists; pass
// --overwrite to replace it", or the I/O failure).
void write_file_safely(const std::string& path, const std::string& bytes, bool overwrite);

// For writers that stream to a file of their own (video): the hidden temporary name to
// write to, beside `path` and with its extension ("out/.clip.tmp-4242-0.mp4"), and the move
// of the finished file into place, under write_file_safely's rules.
std::string temporary_path_beside(const std::string& path);
void publish_file(const std::string& temporary, const std::string& path, bool overwrite);

// Encodes an 8-bit RGB image as PNG and writes it with write_file_safely.
void write_png_safely(const std::string& path, const cv::Mat& rgb, bool overwrite);

}  // namespace vitlens
