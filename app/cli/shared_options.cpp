#include "shared_options.hpp"

#include <iostream>

#include "download_progress.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/hub/resolve.hpp"

namespace vitlens::cli {

namespace {

// More images per pass than any device gains from, yet few enough that their inputs fit.
constexpr int kMaxBatch = 256;

}  // namespace

ArgParser& add_model_option(ArgParser& parser, bool required) {
  return parser.option("model", "MODEL",
                       "Hugging Face model folder, timm .safetensors/.pth file, a bundled demo model's name "
                       "(fashion-vit, fashion-yolos), or a Hugging Face hub id ORG/NAME[@REVISION] (downloaded "
                       "into the hub cache)",
                       required);
}

ArgParser& add_device_option(ArgParser& parser) {
  parser.option("device", "DEVICE",
                "'auto' (default: a GPU, else 'cpu'), 'cpu' (oneDNN), 'reference' (the double-precision CPU reference), "
                "a Vulkan device index or part of its name such as 'lavapipe'; see 'devices'");
  return parser.option("threads", "N", "threads of the 'cpu' device (default: VITLENS_THREADS, else every physical core)");
}

ArgParser& add_batch_option(ArgParser& parser, const std::string& meaning_of_default) {
  return parser.option("batch", "N|auto",
                       "images per forward pass: 'auto' runs as many as the device gains from (the 'cpu' device batches "
                       "small models; GPUs and the reference run one at a time), 1 gives each image the lowest latency "
                       "(default: " + meaning_of_default + ")");
}

int batch_option(const ParsedArgs& args, int fallback) {
  if (args.value("batch") == "auto") return 0;
  return args.integer("batch", fallback, 1, kMaxBatch);
}

ArgParser& add_json_flag(ArgParser& parser) { return parser.flag("json", "print one JSON document instead of text"); }

ArgParser& add_size_options(ArgParser& parser, const std::string& side_meaning, bool native) {
  const std::string forms = "S (" + side_meaning + ")" +
                            (native ? ", HxW (height x width) or 'native' (the image's own size rounded to the patch "
                                      "size); default: the model's pre-processing"
                                    : " or HxW (height x width); default: the model's training size");
  parser.option("size", "SIZE", "model input size: " + forms);
  return parser.option("max-tokens", "N",
                       "refuse inputs of more than N tokens (default " + std::to_string(kDefaultMaxTokens) + ")");
}

InputOptions input_options(const ParsedArgs& args) {
  InputOptions options;
  options.max_tokens = args.integer("max-tokens", kDefaultMaxTokens, 1, kMaxTokenLimit);
  try {
    options.size = parse_input_size(args.value("size", "default"));
  } catch (const InputSizeError& e) {
    throw UsageError(std::string("--size: ") + e.what());
  }
  return options;
}

void check_input_options_for(const InputOptions& options, const Model& model) {
  try {
    check_input_options(options, model);
  } catch (const InputSizeError& e) {
    throw UsageError("--size: " + model.path + ": " + e.what());
  }
}

std::shared_ptr<const Model> load_model_option(const ParsedArgs& args) {
  std::vector<std::string> notes;
  const std::string path = resolve_model(args.value("model"), hub_options(), &notes);
  for (const std::string& note : notes) std::cerr << note << '\n';
  auto model = std::make_shared<const Model>(load_model(path));
  for (const std::string& note : model->notes) std::cerr << note << '\n';
  return model;
}

DeviceInfo device_option(const ParsedArgs& args) { return choose_device(args.value("device", "auto")); }

BackendOptions backend_options(const ParsedArgs& args) {
  BackendOptions options;
  options.threads = args.integer("threads", 0, 1, 4096);
  return options;
}

std::string describe(const DeviceInfo& device) { return device.name + " [" + device.id() + "]"; }

}  // namespace vitlens::cli
