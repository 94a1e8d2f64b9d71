#pragma once
#include <stdexcept>
#include <string>

namespace vitlens {

// Every failure the engine reports to a user: bad files, bad arguments, device problems.
// The message is complete and user-facing ("model.safetensors: tensor 'x' ends past the
// end of the file"), so a front end can print it as it is.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace vitlens
