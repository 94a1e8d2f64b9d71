#include "shared_options.hpp"

#include "vitlens/checkpoint/load.hpp"
#include "vitlens/util/resources.hpp"

namespace vitlens::cli {

ArgParser& add_model_option(ArgParser& parser, bool required) {
  return parser.option("model", "PATH",
                       "Hugging Face model folder, timm .safetensors file, or a bundled demo model's name "
                       "(fashion-vit, fashion-yolos)",
                       required);
}

ArgParser& add_device_option(ArgParser& parser) {
  return parser.option("device", "DEVICE",
                       "'auto' (default), 'cpu', a Vulkan device index or part of its name; see 'devices'");
}

ArgParser& add_json_flag(ArgParser& parser) { return parser.flag("json", "print one JSON document instead of text"); }

std::shared_ptr<const Model> load_model_option(const ParsedArgs& args) {
  return std::make_shared<const Model>(load_model(locate_model(args.value("model"))));
}

DeviceInfo device_option(const ParsedArgs& args) { return choose_device(args.value("device", "auto")); }

std::string describe(const DeviceInfo& device) { return device.name + " [" + device.id() + "]"; }

}  // namespace vitlens::cli
