#include "vitlens/analysis/head_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <opencv2/imgproc.hpp>

#include "vitlens/util/error.hpp"

namespace vitlens {

namespace {

using Table = std::vector<std::vector<double>>;

Table zeros(int layers, int heads) { return Table(static_cast<size_t>(layers), std::vector<double>(static_cast<size_t>(heads))); }

// Distances between the centres of every pair of patches, in input pixels.
std::vector<double> patch_distances(const TokenLayout& layout, int patch_size) {
  const int n = layout.patches();
  std::vector<double> d(static_cast<size_t>(n) * static_cast<size_t>(n));
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b)
      d[static_cast<size_t>(a) * n + b] =
          patch_size * std::hypot(a / layout.grid_w - b / layout.grid_w, a % layout.grid_w - b % layout.grid_w);
  return d;
}

}  // namespace

HeadStatisticsAccumulator::HeadStatisticsAccumulator(int layers, int heads, int patch_size)
    : layers_(layers), heads_(heads), patch_size_(patch_size), sum_{zeros(layers, heads), zeros(layers, heads), 0} {}

void HeadStatisticsAccumulator::add(const ForwardOutput& output, const TokenLayout& layout) {
  const Tensor& a = output.attention;
  const int64_t tokens = layout.tokens();
  if (a.rank() != 4 || a.dim(0) != layers_ || a.dim(1) != heads_ || a.dim(2) != tokens || a.dim(3) != tokens)
    throw Error("head statistics need every attention row [" + std::to_string(layers_) + ", " + std::to_string(heads_) +
                ", " + std::to_string(tokens) + ", " + std::to_string(tokens) + "], not " + shape_string(a.shape));
  const int n = layout.patches(), first = layout.first_patch();
  const std::vector<double> distance = patch_distances(layout, patch_size_);
  for (int l = 0; l < layers_; ++l)
    for (int h = 0; h < heads_; ++h) {
      double distance_sum = 0, entropy_sum = 0;
      for (int q = 0; q < n; ++q) {
        const float* row = a.ptr() + ((static_cast<int64_t>(l) * heads_ + h) * tokens + first + q) * tokens;
        double entropy = 0;
        for (int64_t k = 0; k < tokens; ++k)
          if (row[k] > 0) entropy -= row[k] * std::log(static_cast<double>(row[k]));
        double mass = 0, weighted = 0;
        for (int k = 0; k < n; ++k) {
          mass += row[first + k];
          weighted += row[first + k] * distance[static_cast<size_t>(q) * n + k];
        }
        distance_sum += mass > 0 ? weighted / mass : 0;
        entropy_sum += entropy;
      }
      sum_.mean_attention_distance[l][h] += distance_sum / n;
      sum_.attention_entropy[l][h] += entropy_sum / n;
    }
  ++sum_.images;
}

HeadStatistics HeadStatisticsAccumulator::result() const {
  HeadStatistics mean = sum_;
  if (mean.images == 0) return mean;
  for (Table* table : {&mean.mean_attention_distance, &mean.attention_entropy})
    for (auto& layer : *table)
      for (double& v : layer) v /= mean.images;
  return mean;
}

namespace {

struct PlotFrame {
  cv::Rect area;  // where the dots go
  double max_distance;
  int layers;
  cv::Point dot(int layer, double distance) const {
    const double x = layers > 1 ? static_cast<double>(layer) / (layers - 1) : 0.5;
    return {area.x + static_cast<int>(std::lround(x * area.width)),
            area.y + area.height - static_cast<int>(std::lround(distance / max_distance * area.height))};
  }
};

PlotFrame frame_for(const HeadStatistics& s, cv::Size size) {
  double top = 0;
  for (const auto& layer : s.mean_attention_distance)
    for (double v : layer) top = std::max(top, v);
  // A round upper limit a little above the largest distance.
  const double step = top > 0 ? std::pow(10.0, std::floor(std::log10(top))) : 1.0;
  const double max_distance = std::max(step, std::ceil(top * 1.05 / step) * step);
  const int left = std::max(60, size.width / 10), bottom = std::max(50, size.height / 10);
  return {cv::Rect(left, 20, std::max(1, size.width - left - 30), std::max(1, size.height - bottom - 20)), max_distance,
          static_cast<int>(s.mean_attention_distance.size())};
}

cv::Scalar head_colour(int head, int heads) {
  cv::Mat hue(1, 1, CV_8UC3, cv::Scalar(static_cast<int>(170.0 * head / std::max(1, heads)), 200, 220));
  cv::Mat rgb;
  cv::cvtColor(hue, rgb, cv::COLOR_HSV2RGB);
  const cv::Vec3b c = rgb.at<cv::Vec3b>(0, 0);
  return {static_cast<double>(c[0]), static_cast<double>(c[1]), static_cast<double>(c[2])};
}

}  // namespace

cv::Mat plot_attention_distance(const HeadStatistics& s, cv::Size size, cv::Point highlight) {
  cv::Mat image(size, CV_8UC3, cv::Scalar(255, 255, 255));
  const PlotFrame f = frame_for(s, size);
  const cv::Scalar ink(40, 40, 40), grid(225, 225, 225);
  const double text = 0.45;
  for (int i = 0; i <= 4; ++i) {
    const double value = f.max_distance * i / 4;
    const int y = f.dot(0, value).y;
    cv::line(image, {f.area.x, y}, {f.area.x + f.area.width, y}, grid, 1);
    cv::putText(image, std::to_string(static_cast<int>(std::lround(value))), {4, y + 4}, cv::FONT_HERSHEY_SIMPLEX, text, ink, 1,
                cv::LINE_AA);
  }
  for (int l = 0; l < f.layers; ++l) {
    const cv::Point p = f.dot(l, 0);
    cv::line(image, p, p + cv::Point(0, 5), ink, 1);
    if (f.layers <= 16 || l % 2 == 0)
      cv::putText(image, std::to_string(l), p + cv::Point(-4, 20), cv::FONT_HERSHEY_SIMPLEX, text, ink, 1, cv::LINE_AA);
  }
  cv::rectangle(image, f.area, ink, 1);
  cv::putText(image, "encoder layer", {f.area.x + f.area.width / 2 - 50, size.height - 8}, cv::FONT_HERSHEY_SIMPLEX, text, ink,
              1, cv::LINE_AA);
  cv::putText(image, "mean attention distance (pixels)", {f.area.x + 6, 14}, cv::FONT_HERSHEY_SIMPLEX, text, ink, 1,
              cv::LINE_AA);
  // Legend: one coloured dot per head along the top, right-aligned.
  const int heads_count = f.layers > 0 ? static_cast<int>(s.mean_attention_distance[0].size()) : 0;
  const int entry = 34;
  for (int h = 0; h < heads_count && heads_count * entry < f.area.width - 250; ++h) {
    const cv::Point p(f.area.x + f.area.width - (heads_count - h) * entry + 6, 10);
    cv::circle(image, p, 4, head_colour(h, heads_count), cv::FILLED, cv::LINE_AA);
    cv::putText(image, std::to_string(h), p + cv::Point(7, 4), cv::FONT_HERSHEY_SIMPLEX, 0.38, ink, 1, cv::LINE_AA);
  }
  for (int l = 0; l < f.layers; ++l) {
    const auto& heads = s.mean_attention_distance[static_cast<size_t>(l)];
    for (size_t h = 0; h < heads.size(); ++h) {
      const cv::Point p = f.dot(l, heads[h]);
      cv::circle(image, p, 5, head_colour(static_cast<int>(h), static_cast<int>(heads.size())), cv::FILLED, cv::LINE_AA);
      cv::circle(image, p, 5, ink, 1, cv::LINE_AA);
      if (highlight == cv::Point(l, static_cast<int>(h))) cv::circle(image, p, 9, cv::Scalar(220, 30, 30), 2, cv::LINE_AA);
    }
  }
  return image;
}

cv::Point attention_distance_dot_at(const HeadStatistics& s, cv::Size size, cv::Point pixel) {
  const PlotFrame f = frame_for(s, size);
  cv::Point best(-1, -1);
  double best_distance = 8.0;  // a click within 8 px of a dot picks it
  for (int l = 0; l < f.layers; ++l) {
    const auto& heads = s.mean_attention_distance[static_cast<size_t>(l)];
    for (size_t h = 0; h < heads.size(); ++h) {
      const cv::Point p = f.dot(l, heads[h]);
      const double d = std::hypot(p.x - pixel.x, p.y - pixel.y);
      if (d < best_distance) best_distance = d, best = {l, static_cast<int>(h)};
    }
  }
  return best;
}

}  // namespace vitlens
