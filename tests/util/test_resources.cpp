#include <catch2/catch.hpp>

#include <filesystem>

#include "vitlens/util/resources.hpp"

namespace fs = std::filesystem;
using namespace vitlens;

TEST_CASE("the bundled resources are found and hold both demo models", "[resources]") {
  const auto root = resources_dir();
  REQUIRE(root.has_value());
  CHECK(fs::is_directory(*root / "samples"));
  std::vector<std::string> names;
  for (const fs::path& model : demo_models()) names.push_back(model.filename().string());
  CHECK(names == std::vector<std::string>{"fashion-vit", "fashion-yolos"});
}

TEST_CASE("a bundled demo model's name locates its folder from any directory", "[resources]") {
  const fs::path here = fs::current_path();
  fs::current_path(fs::temp_directory_path());
  const std::string located = locate_model("fashion-vit");
  fs::current_path(here);
  CHECK(fs::path(located) == *resources_dir() / "models" / "fashion-vit");
}

TEST_CASE("an existing path wins over a demo name, and an unknown name is left for the loader to report",
          "[resources]") {
  const fs::path folder = fs::temp_directory_path() / "vitlens-locate-test" / "fashion-vit";
  fs::create_directories(folder);
  const fs::path here = fs::current_path();
  fs::current_path(folder.parent_path());
  CHECK(locate_model("fashion-vit") == "fashion-vit");
  fs::current_path(here);
  fs::remove_all(folder.parent_path());
  CHECK(locate_model("no-such-model") == "no-such-model");
  CHECK(locate_model("") == "");
}
