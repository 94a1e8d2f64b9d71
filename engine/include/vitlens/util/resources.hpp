#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vitlens {

// The folder of bundled resources (demo models, sample images, label lists), found the same
// way by every program built on the engine, so an installed vitlens-cli works from any
// directory: <prefix>/share/vitlens/resources beside the running executable
// (<prefix>/bin), else the install prefix the engine was built for, else the source tree it
// was built from. std::nullopt when none of them exists.
std::optional<std::filesystem::path> resources_dir();

// The documentation (the source tree's docs/, installed as <prefix>/share/doc/vitlens), found
// the same way; std::nullopt when it is nowhere.
std::optional<std::filesystem::path> docs_dir();

// The bundled demo models: every folder of <resources>/models that holds a model, by name.
std::vector<std::filesystem::path> demo_models();

// What a user's --model names: an existing file or folder as it is; else the bundled demo
// model of that name ("fashion-vit"); else `spec` unchanged, so the loader's error names it.
std::string locate_model(const std::string& spec);

}  // namespace vitlens
