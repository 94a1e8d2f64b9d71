#pragma once
#include <string>
#include <vector>

#include "vitlens/hub/download.hpp"

namespace vitlens {

// What a --model value names, as a path load_model reads, resolved the same way by every
// front end: an existing file or folder wins, then a bundled demo model's name, then a hub
// id ORG/NAME[@REVISION] fetched into the hub cache (see fetch_hub_model). Anything else is
// returned unchanged so the loader's error names it. `notes` receives what the user should
// be told (files downloaded, cache used offline).
std::string resolve_model(const std::string& spec, const HubOptions& options, std::vector<std::string>* notes = nullptr);

}  // namespace vitlens
