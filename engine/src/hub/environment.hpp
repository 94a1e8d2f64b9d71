#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace vitlens::hub {

// What the hub client reads from the process environment and from small text files, the
// way huggingface_hub reads them, shared by the cache and the downloader.

// The variable's value; nullopt when it is unset or empty.
std::optional<std::string> env(const char* name);
// huggingface_hub's truthy values: 1, ON, YES, TRUE (any case).
bool env_true(const char* name);
// HF_HOME, else XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
std::filesystem::path hf_home();
// A whole file as bytes; "" when it cannot be read.
std::string read_text(const std::filesystem::path& path);
// Without leading and trailing whitespace (refs and tokens end with a newline when edited by hand).
std::string strip(const std::string& text);

}  // namespace vitlens::hub
