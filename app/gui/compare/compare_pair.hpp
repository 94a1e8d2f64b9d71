#pragma once
#include <array>
#include <atomic>
#include <memory>
#include <optional>

#include <QObject>
#include <QThreadPool>

#include "compare/compare_map.hpp"

namespace vitlens::gui {

class InferenceWorker;

// The compare view's model: two maps of the current image, each with its own settings
// (method, layer, head, query, class, colours). Maps are computed off the UI thread, one at
// a time, from the window's run or, when that lacks what a side needs, from a run of the
// side's own on the worker's session (same input size and budget). A newer request for a
// side supersedes an older one, whose map is dropped.
class ComparePair : public QObject {
  Q_OBJECT

 public:
  static constexpr int kSides = 2;

  explicit ComparePair(InferenceWorker* worker, QObject* parent = nullptr);
  ~ComparePair() override;

  // The window's run of the current image (or none): both sides are computed again. Runs
  // of the sides' own are kept while the image and its input size stay the same.
  void setResult(std::shared_ptr<const InferenceResult> result);
  std::shared_ptr<const InferenceResult> result() const { return base_; }
  void setSettings(int side, const AttentionSettings& settings);
  const AttentionSettings& settings(int side) const { return sides_.at(static_cast<size_t>(side)).settings; }
  // The side's newest map, or none yet (computing() says whether one is coming).
  const CompareMap* map(int side) const;
  bool computing(int side) const { return sides_.at(static_cast<size_t>(side)).generation != sides_.at(static_cast<size_t>(side)).done; }
  // Both maps side by side under their captions (compare_pair_image). Throws vitlens::Error.
  cv::Mat pairImage() const;

 signals:
  // The side started computing, or its map (or error) arrived.
  void sideChanged(int side);

 private:
  struct Side {
    AttentionSettings settings;
    std::optional<CompareMap> map;
    std::shared_ptr<const InferenceResult> own;  // the side's own run, when it needed one
    std::atomic<quint64> generation{0};  // of the newest request (read by the job to skip a superseded one)
    quint64 done = 0;        // of the newest request answered
  };
  void compute(int side);

  InferenceWorker* worker_;
  QThreadPool pool_;
  std::shared_ptr<const InferenceResult> base_;
  std::array<Side, kSides> sides_;
};

}  // namespace vitlens::gui
