#include "vitlens/analysis/mask.hpp"

#include <algorithm>
#include <numeric>

#include "vitlens/util/error.hpp"

namespace vitlens {

cv::Mat mass_mask(const cv::Mat& map, double mass) {
  if (!(mass > 0 && mass <= 1)) throw Error("attention mass " + std::to_string(mass) + " is not in (0, 1]");
  CV_Assert(map.type() == CV_32F && map.isContinuous());
  const float* v = map.ptr<float>();
  const size_t n = map.total();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] > v[b]; });
  const double total = std::accumulate(v, v + n, 0.0);
  cv::Mat mask(map.size(), CV_32F, cv::Scalar(0));
  double above = 0;
  for (size_t i : order) {
    if (above >= mass * total) break;
    mask.ptr<float>()[i] = 1;
    above += v[i];
  }
  return mask;
}

AttentionMaps mass_masks(const AttentionMaps& maps, double mass) {
  AttentionMaps masks = maps;
  masks.method = "mask";
  for (int l = 0; l < static_cast<int>(maps.layers.size()); ++l)
    for (int h = 0; h < static_cast<int>(maps.heads.size()); ++h)
      for (int q = 0; q < static_cast<int>(maps.queries.size()); ++q)
        mass_mask(maps.map(l, h, q), mass).copyTo(masks.map(l, h, q));
  return masks;
}

}  // namespace vitlens
