// Runs a fuzz target's LLVMFuzzerTestOneInput once on every file under the given paths
// (folders recursively, dotfiles skipped), for builds without libFuzzer: the seed corpus and
// the regression inputs of every finding become an ordinary test. A path that cannot be read,
// or no input at all, fails, so a missing corpus is never a pass.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int inputs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path root = argv[i];
    std::error_code error;
    if (!std::filesystem::exists(root, error)) return std::fprintf(stderr, "%s: no such file or folder\n", argv[i]), 1;
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(root)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
        if (entry.is_regular_file() && entry.path().filename().string()[0] != '.') files.push_back(entry.path());
    } else {
      files.push_back(root);
    }
    for (const auto& file : files) {
      if (!run_file(file)) return std::fprintf(stderr, "%s: cannot be read\n", file.c_str()), 1;
      ++inputs;
    }
  }
  if (inputs == 0) return std::fprintf(stderr, "no inputs found\n"), 1;
  std::printf("%d inputs replayed\n", inputs);
  return 0;
}
