#pragma once
#include <memory>
#include <string>

#include "args.hpp"
#include "vitlens/backend/devices.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/image/input_size.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens::cli {

// Options several commands share, declared once so their spelling and help never drift.
ArgParser& add_model_option(ArgParser& parser, bool required = true);
ArgParser& add_device_option(ArgParser& parser);
ArgParser& add_json_flag(ArgParser& parser);
// --size S|HxW|native and --max-tokens N. `side_meaning` says what a single S means for
// the command's models ("S x S", or the shortest edge for YOLOS); `native` whether the
// command has images to take a native size from.
ArgParser& add_size_options(ArgParser& parser, const std::string& side_meaning = "S x S", bool native = true);

// --batch N|auto: images per forward pass; `meaning_of_default` completes "default: ...".
ArgParser& add_batch_option(ArgParser& parser, const std::string& meaning_of_default);

std::shared_ptr<const Model> load_model_option(const ParsedArgs& args);
// --batch as a BatchQueue size: 0 for 'auto' (the device's preference), `fallback` when not given.
int batch_option(const ParsedArgs& args, int fallback);
DeviceInfo device_option(const ParsedArgs& args);
// --threads as BackendOptions (0 when not given); out of range is a UsageError.
BackendOptions backend_options(const ParsedArgs& args);
// --size and --max-tokens as given; malformed values are a UsageError.
InputOptions input_options(const ParsedArgs& args);
// check_input_options: a size the model cannot take is a UsageError, a fixed size over
// the token limit a vitlens::Error.
void check_input_options_for(const InputOptions& options, const Model& model);

// "llvmpipe (LLVM 15.0.6, 256 bits) [0]": the name a user sees and the id --device takes.
std::string describe(const DeviceInfo& device);

}  // namespace vitlens::cli
