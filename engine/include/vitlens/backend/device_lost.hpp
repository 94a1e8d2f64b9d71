#pragma once
#include "vitlens/util/error.hpp"

namespace vitlens {

// The device stopped answering (VK_ERROR_DEVICE_LOST: a driver reset, a removed or hung GPU).
// The backend that saw it is finished; a Session drops it and starts the device afresh on its
// next run, so catching an Error and trying again is all a front end does.
class DeviceLost : public Error {
 public:
  using Error::Error;
};

}  // namespace vitlens
