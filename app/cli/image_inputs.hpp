#pragma once
#include <map>
#include <string>
#include <vector>

#include "args.hpp"

namespace vitlens::cli {

// The --recursive flag of every command that takes images or folders.
ArgParser& add_recursive_flag(ArgParser& parser);

// The image files named on a command line: files as given, folders replaced by the image
// files inside them (by extension: jpg, jpeg, png, bmp, tif, tiff, webp, any case) in
// natural order ("img2" before "img10"): those directly inside, or with `recursive` those
// of every subfolder too, ordered by their path below the folder. A path that does not
// exist is kept, so that the command reports it as a failed image rather than silently
// skipping it. Throws vitlens::Error naming a folder that holds no images (and, when it has
// subfolders, suggesting --recursive).
std::vector<std::string> expand_image_inputs(const std::vector<std::string>& paths, bool recursive = false);

// The name each image's outputs start with: its stem, or its whole file name when two
// inputs share a stem (photo.bmp and photo.tiff). Throws UsageError when two inputs would
// write the same files.
std::map<std::string, std::string> output_names(const std::vector<std::string>& images);

// "img2.png" < "img10.png": runs of digits compare by value, everything else bytewise.
bool natural_less(const std::string& a, const std::string& b);

// The message of a failed image, naming its file: the engine's messages do already, a
// stray one is prefixed with the path.
std::string naming(const std::string& path, const std::string& message);

}  // namespace vitlens::cli
