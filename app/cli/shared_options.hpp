#pragma once
#include <memory>
#include <string>

#include "args.hpp"
#include "vitlens/backend/devices.hpp"
#include "vitlens/model/model.hpp"

namespace vitlens::cli {

// Options several commands share, declared once so their spelling and help never drift.
ArgParser& add_model_option(ArgParser& parser, bool required = true);
ArgParser& add_device_option(ArgParser& parser);
ArgParser& add_json_flag(ArgParser& parser);

std::shared_ptr<const Model> load_model_option(const ParsedArgs& args);
DeviceInfo device_option(const ParsedArgs& args);

// "llvmpipe (LLVM 15.0.6, 256 bits) [0]": the name a user sees and the id --device takes.
std::string describe(const DeviceInfo& device);

}  // namespace vitlens::cli
