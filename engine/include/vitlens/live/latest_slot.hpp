#pragma once
#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>

namespace vitlens {

// A mailbox that holds at most one value: a new value replaces one nobody took yet. Live
// mode hands frames from the capture thread to the inference thread through it, so no queue
// can grow and latency stays one inference long however slow the model is.
template <class T>
class LatestSlot {
 public:
  // Stores `value`; true when it replaced a value that was never taken (a dropped frame).
  bool put(T value) {
    bool replaced = false;
    {
      std::lock_guard lock(mutex_);
      replaced = value_.has_value();
      value_ = std::move(value);
    }
    changed_.notify_one();
    return replaced;
  }

  // Waits for a value and takes it; nullopt once the slot is closed and empty.
  std::optional<T> take() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return value_.has_value() || closed_; });
    std::optional<T> taken = std::move(value_);
    value_.reset();
    return taken;
  }

  // Wakes every taker; a value still held is taken first.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<T> value_;
  bool closed_ = false;
};

}  // namespace vitlens
