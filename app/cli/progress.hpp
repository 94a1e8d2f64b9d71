#pragma once
#include <cstddef>
#include <string>

namespace vitlens::cli {

// A one-line progress bar on stderr, drawn only when stderr is a terminal, so logs and
// pipes stay clean. Messages printed while it is shown go through message(), which clears
// the bar first.
class Progress {
 public:
  explicit Progress(size_t total);
  ~Progress();
  void step(const std::string& item);  // call before working on each item
  void message(const std::string& line);  // prints a line to stderr
  void finish();

 private:
  void clear();

  size_t total_;
  size_t done_ = 0;
  bool enabled_;
  bool shown_ = false;
};

}  // namespace vitlens::cli
