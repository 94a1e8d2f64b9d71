#pragma once
#include <string>
#include <vector>

namespace vitlens::cli {

// The image files named on a command line: files as given, folders replaced by the image
// files directly inside them (by extension: jpg, jpeg, png, bmp, tif, tiff, webp, any case)
// in natural order ("img2" before "img10"). A path that does not exist is kept, so that
// the command reports it as a failed image rather than silently skipping it.
std::vector<std::string> expand_image_inputs(const std::vector<std::string>& paths);

// "img2.png" < "img10.png": runs of digits compare by value, everything else bytewise.
bool natural_less(const std::string& a, const std::string& b);

}  // namespace vitlens::cli
