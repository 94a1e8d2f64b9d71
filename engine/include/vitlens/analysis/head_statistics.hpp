#pragma once
#include <vector>

#include <opencv2/core.hpp>

#include "vitlens/backend/forward.hpp"
#include "vitlens/model/token_layout.hpp"

namespace vitlens {

// What each head does, summed up over images (the ViT paper's Figure 7 and the entropy
// studies that followed it). Both are [layers][heads].
struct HeadStatistics {
  // Mean attention distance in input pixels: for each patch query, the distance between patch
  // centres weighted by its attention over the patch keys (renormalised over the patches),
  // averaged over the patch queries.
  std::vector<std::vector<double>> mean_attention_distance;
  // Attention entropy in nats over the full row (every key), averaged over the patch queries.
  std::vector<std::vector<double>> attention_entropy;
  int images = 0;  // how many images the averages are over
};

// Averages HeadStatistics over images; each image adds its per-image means with equal weight.
class HeadStatisticsAccumulator {
 public:
  HeadStatisticsAccumulator(int layers, int heads, int patch_size);

  // `output` must hold every attention row (AttentionRequest::all()). Throws vitlens::Error
  // when it does not match the layout or the model's shape.
  void add(const ForwardOutput& output, const TokenLayout& layout);
  HeadStatistics result() const;

 private:
  int layers_, heads_, patch_size_;
  HeadStatistics sum_;
};

// The ViT paper's Figure 7: encoder layer on the x axis, mean attention distance on the y
// axis, one dot per head. An RGB image of `size`; dot i of a layer is head i, coloured by
// head index. `highlight` (layer, head) is circled when it is in range.
cv::Mat plot_attention_distance(const HeadStatistics& statistics, cv::Size size, cv::Point highlight = {-1, -1});

// Which dot of plot_attention_distance is at `pixel`, as (layer, head), or (-1, -1).
cv::Point attention_distance_dot_at(const HeadStatistics& statistics, cv::Size size, cv::Point pixel);

}  // namespace vitlens
