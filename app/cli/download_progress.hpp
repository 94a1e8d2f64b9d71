#pragma once
#include "vitlens/hub/download.hpp"

namespace vitlens::cli {

// The hub settings of the environment (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, the cache),
// with a progress bar showing each file's size and the speed on stderr when it is a
// terminal; nothing is drawn otherwise.
HubOptions hub_options();

}  // namespace vitlens::cli
