#include "progress.hpp"

#include <unistd.h>

#include <iostream>

namespace vitlens::cli {
namespace {

constexpr size_t kBarWidth = 30;
constexpr size_t kNameWidth = 40;

}  // namespace

Progress::Progress(size_t total) : total_(total), enabled_(isatty(STDERR_FILENO) != 0) {}

Progress::~Progress() { finish(); }

void Progress::step(const std::string& item) {
  if (!enabled_) return;
  const size_t filled = total_ ? done_ * kBarWidth / total_ : kBarWidth;
  const std::string name = item.size() > kNameWidth ? "..." + item.substr(item.size() - kNameWidth + 3) : item;
  std::cerr << "\r\033[K[" << std::string(filled, '#') << std::string(kBarWidth - filled, ' ') << "] " << done_ + 1
            << '/' << total_ << ' ' << name << std::flush;
  shown_ = true;
  ++done_;
}

void Progress::message(const std::string& line) {
  clear();
  std::cerr << line << '\n';
}

void Progress::finish() { clear(); }

void Progress::clear() {
  if (!shown_) return;
  std::cerr << "\r\033[K" << std::flush;
  shown_ = false;
}

}  // namespace vitlens::cli
