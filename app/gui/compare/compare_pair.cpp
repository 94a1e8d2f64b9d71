#include "compare/compare_pair.hpp"

#include <QFutureWatcher>
#include <QtConcurrent>

#include "inference/inference_worker.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::gui {

namespace {

bool same_image(const InferenceResult& a, const InferenceResult& b) {
  return a.model == b.model && a.image_path == b.image_path && a.input_size == b.input_size && a.rgb.data == b.rgb.data;
}

}  // namespace

ComparePair::ComparePair(InferenceWorker* worker, QObject* parent) : QObject(parent), worker_(worker) {
  pool_.setMaxThreadCount(1);
}

ComparePair::~ComparePair() {
  for (Side& side : sides_) ++side.generation;
  pool_.waitForDone();
}

void ComparePair::setResult(std::shared_ptr<const InferenceResult> result) {
  for (Side& side : sides_)
    if (side.own && !(result && same_image(*side.own, *result))) side.own.reset();
  base_ = std::move(result);
  for (int side = 0; side < kSides; ++side) compute(side);
}

void ComparePair::setSettings(int side, const AttentionSettings& settings) {
  Side& s = sides_.at(static_cast<size_t>(side));
  if (s.settings == settings && (s.map || computing(side))) return;
  s.settings = settings;
  compute(side);
}

const CompareMap* ComparePair::map(int side) const {
  const Side& s = sides_.at(static_cast<size_t>(side));
  return s.map ? &*s.map : nullptr;
}

cv::Mat ComparePair::pairImage() const {
  if (!map(0) || !map(1)) throw Error("the compare view has no maps yet");
  return compare_pair_image(*map(0), *map(1));
}

void ComparePair::compute(int index) {
  Side& side = sides_.at(static_cast<size_t>(index));
  const quint64 generation = ++side.generation;
  side.map.reset();
  const std::shared_ptr<Session> session = worker_->session();
  if (!base_ || !session) {
    side.done = generation;
    emit sideChanged(index);
    return;
  }
  emit sideChanged(index);
  RunRequest request;
  request.budget_bytes = worker_->attentionBudget();
  request.input = worker_->inputOptions();
  std::vector<std::shared_ptr<const InferenceResult>> known{base_};
  if (side.own) known.push_back(side.own);
  for (const Side& other : sides_)
    if (other.own && &other != &side) known.push_back(other.own);
  auto* watcher = new QFutureWatcher<CompareMap>(this);
  connect(watcher, &QFutureWatcher<CompareMap>::finished, this, [this, watcher, index, generation] {
    CompareMap map = watcher->result();
    watcher->deleteLater();
    Side& side = sides_.at(static_cast<size_t>(index));
    if (generation != side.generation) return;
    if (map.result && map.result != base_) side.own = map.result;
    side.map = std::move(map);
    side.done = generation;
    emit sideChanged(index);
  });
  watcher->setFuture(QtConcurrent::run(&pool_, [this, index, generation, known, settings = side.settings, session, request] {
    // A request superseded before it started is not computed.
    if (generation != sides_.at(static_cast<size_t>(index)).generation) return CompareMap{};
    return compute_compare_map(known, settings, *session, request);
  }));
}

}  // namespace vitlens::gui
