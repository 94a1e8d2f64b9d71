#include <iostream>

#include "command.hpp"
#include "output.hpp"
#include "shared_options.hpp"
#include "vitlens/backend/devices.hpp"

namespace vitlens::cli {

ArgParser devices_arguments() {
  ArgParser parser(kProgram, "devices", "List the devices a model can run on; '*' marks the one 'auto' picks (a discrete GPU, else an integrated "
                   "GPU, else 'cpu'; Vulkan on the CPU, such as lavapipe, only when named).");
  return add_json_flag(parser);
}

int run_devices(const ParsedArgs& args) {
  const std::vector<DeviceInfo> devices = list_devices();
  const std::string automatic = auto_device(devices).id();

  if (args.flag("json")) {
    Json list = Json::array();
    for (const DeviceInfo& d : devices)
      list.push_back({{"id", d.id()},
                      {"name", d.name},
                      {"kind", to_string(d.kind)},
                      {"driver", d.driver},
                      {"api_version", d.api_version},
                      {"auto", d.id() == automatic}});
    print_json(std::cout, Json{{"auto", automatic}, {"devices", list}});
    return 0;
  }

  Table table({{"", Table::Align::Left},
               {"ID", Table::Align::Right},
               {"NAME", Table::Align::Left},
               {"KIND", Table::Align::Left},
               {"DRIVER", Table::Align::Left},
               {"VULKAN", Table::Align::Left}});
  for (const DeviceInfo& d : devices)
    table.add_row({d.id() == automatic ? "*" : "", d.id(), d.name, to_string(d.kind), d.driver, d.api_version});
  table.print(std::cout);
  return 0;
}

}  // namespace vitlens::cli
