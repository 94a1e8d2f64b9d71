#include "image_inputs.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include "vitlens/util/error.hpp"

namespace vitlens::cli {
namespace {

namespace fs = std::filesystem;

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

bool has_image_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* known : {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
    if (ext == known) return true;
  return false;
}

template <typename Iterator>
std::vector<std::string> images_under(const fs::path& folder) {
  std::vector<std::string> images;
  for (const fs::directory_entry& entry : Iterator(folder, fs::directory_options::skip_permission_denied))
    if (entry.is_regular_file() && has_image_extension(entry.path())) images.push_back(entry.path().string());
  std::sort(images.begin(), images.end(), natural_less);
  return images;
}

size_t subfolders(const fs::path& folder) {
  size_t count = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, fs::directory_options::skip_permission_denied))
    count += entry.is_directory() ? 1 : 0;
  return count;
}

std::vector<std::string> images_in(const fs::path& folder, bool recursive) {
  std::vector<std::string> images = recursive ? images_under<fs::recursive_directory_iterator>(folder)
                                              : images_under<fs::directory_iterator>(folder);
  if (!images.empty()) return images;
  const size_t inside = subfolders(folder);
  std::string message = folder.string() + ": no images (jpg, jpeg, png, bmp, tif, tiff, webp) in this folder";
  if (recursive)
    message += " or its subfolders";
  else if (inside)
    message += "; it holds " + std::to_string(inside) + (inside == 1 ? " subfolder" : " subfolders") +
               ": pass --recursive to take the images inside them";
  throw Error(message);
}

}  // namespace

bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t i_end = i, j_end = j;
      while (i_end < a.size() && is_digit(a[i_end])) ++i_end;
      while (j_end < b.size() && is_digit(b[j_end])) ++j_end;
      // Compare by value without overflow: strip leading zeros, then length, then digits.
      size_t i_start = i, j_start = j;
      while (i_start + 1 < i_end && a[i_start] == '0') ++i_start;
      while (j_start + 1 < j_end && b[j_start] == '0') ++j_start;
      const std::string x = a.substr(i_start, i_end - i_start), y = b.substr(j_start, j_end - j_start);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i_end;
      j = j_end;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

ArgParser& add_recursive_flag(ArgParser& parser) {
  return parser.flag("recursive", "take the images of folders' subfolders too (by path, in natural order)");
}

std::string naming(const std::string& path, const std::string& message) {
  return message.find(path) == std::string::npos ? path + ": " + message : message;
}

std::vector<std::string> expand_image_inputs(const std::vector<std::string>& paths, bool recursive) {
  std::vector<std::string> images;
  for (const std::string& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      for (std::string& image : images_in(path, recursive)) images.push_back(std::move(image));
    } else {
      images.push_back(path);
    }
  }
  return images;
}

std::map<std::string, std::string> output_names(const std::vector<std::string>& images) {
  std::map<std::string, int> stems;
  for (const std::string& image : images) ++stems[fs::path(image).stem().string()];
  std::map<std::string, std::string> names, owners;
  for (const std::string& image : images) {
    const fs::path path(image);
    const std::string name = stems[path.stem().string()] > 1 ? path.filename().string() : path.stem().string();
    auto [it, fresh] = owners.emplace(name, image);
    if (!fresh) throw UsageError("'" + it->second + "' and '" + image + "' would write the same output files ('" + name + "')");
    names[image] = name;
  }
  return names;
}

}  // namespace vitlens::cli
