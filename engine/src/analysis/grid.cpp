#include "vitlens/analysis/grid.hpp"

#include <algorithm>
#include <cmath>
#include <cctype>
#include <cstdio>
#include <sstream>
#include <string>

#include <opencv2/imgproc.hpp>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

constexpr int kGap = 4;
constexpr int kRowLabelWidth = 72;
constexpr int kHeaderHeight = 24;
constexpr int kBarWidth = 16;
constexpr int kBarLabelWidth = 64;
constexpr double kFontScale = 0.4;
const cv::Scalar kBackground(255, 255, 255);
const cv::Scalar kText(0, 0, 0);

struct Column {
  const AttentionMaps* maps;
  int head;
};

std::string column_label(const AttentionMaps& maps, int head) {
  const std::string& h = maps.heads[static_cast<size_t>(head)];
  if (maps.method == "rollout") return "rollout (" + h + ")";
  return std::isdigit(static_cast<unsigned char>(h[0])) ? "head " + h : h;
}

std::vector<Column> columns_of(const std::vector<AttentionMaps>& groups, int query) {
  if (groups.empty()) throw Error("attention grid: no maps to draw");
  std::vector<Column> columns;
  for (const AttentionMaps& g : groups) {
    if (g.layers != groups[0].layers) throw Error("attention grid: the map stacks cover different layers");
    if (query < 0 || query >= static_cast<int>(g.queries.size()))
      throw Error("attention grid: query " + std::to_string(query) + " is out of range");
    for (int h = 0; h < static_cast<int>(g.heads.size()); ++h) columns.push_back({&g, h});
  }
  return columns;
}

ValueRange shared_range(const std::vector<Column>& columns, int rows, int query) {
  ValueRange range = value_range(columns[0].maps->map(0, columns[0].head, query));
  for (const Column& c : columns)
    for (int l = 0; l < rows; ++l) range = merge(range, value_range(c.maps->map(l, c.head, query)));
  return range;
}

void label(cv::Mat& canvas, const std::string& text, cv::Point origin) {
  cv::putText(canvas, text, origin, cv::FONT_HERSHEY_SIMPLEX, kFontScale, kText, 1, cv::LINE_AA);
}

constexpr int kLineHeight = 14;

int text_width(const std::string& text) {
  int baseline = 0;
  return cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, kFontScale, 1, &baseline).width;
}

// The words of `text` in lines no wider than `width` pixels (a longer word stands alone).
std::vector<std::string> wrapped(const std::string& text, int width) {
  std::vector<std::string> lines;
  std::istringstream words(text);
  std::string line, word;
  while (words >> word) {
    const std::string longer = line.empty() ? word : line + " " + word;
    if (!line.empty() && text_width(longer) > width) {
      lines.push_back(line);
      line = word;
    } else {
      line = longer;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string number(float value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", static_cast<double>(value));
  return text;
}

void draw_colour_bar(cv::Mat& canvas, cv::Rect area, const GridStyle& style, ValueRange shared) {
  colour_bar(area.height, area.width, style.colormap).copyTo(canvas(area));
  const int x = area.x + area.width + kGap;
  label(canvas, style.shared_range ? number(shared.high) : "max", {x, area.y + 10});
  label(canvas, style.shared_range ? number(shared.low) : "min", {x, area.y + area.height});
  if (!style.shared_range) label(canvas, "per cell", {x, area.y + area.height / 2});
}

}  // namespace

AttentionGrid attention_grid(const std::vector<AttentionMaps>& groups, int query, const cv::Mat& rgb,
                             const PreprocessConfig& preprocess, const GridStyle& style) {
  const std::vector<Column> columns = columns_of(groups, query);
  const int rows = static_cast<int>(groups[0].layers.size());
  const double scale = static_cast<double>(style.cell_size) / std::max(rgb.cols, rgb.rows);
  const cv::Size cell(std::max(1, static_cast<int>(std::lround(rgb.cols * scale))),
                      std::max(1, static_cast<int>(std::lround(rgb.rows * scale))));
  cv::Mat thumbnail;
  cv::resize(rgb, thumbnail, cell, 0, 0, cv::INTER_AREA);

  const int body_width = static_cast<int>(columns.size()) * (cell.width + kGap);
  const int body_height = rows * (cell.height + kGap);
  AttentionGrid grid;
  grid.image = cv::Mat(kHeaderHeight + body_height + kGap, kRowLabelWidth + body_width + kGap + kBarWidth + kBarLabelWidth,
                       CV_8UC3, kBackground);
  const ValueRange shared = style.shared_range ? shared_range(columns, rows, query) : ValueRange{};

  for (size_t c = 0; c < columns.size(); ++c) {
    grid.column_labels.push_back(column_label(*columns[c].maps, columns[c].head));
    label(grid.image, grid.column_labels.back(), {kRowLabelWidth + static_cast<int>(c) * (cell.width + kGap), kHeaderHeight - 8});
  }
  grid.cells.resize(static_cast<size_t>(rows));
  for (int l = 0; l < rows; ++l) {
    const int y = kHeaderHeight + l * (cell.height + kGap);
    grid.row_labels.push_back("layer " + std::to_string(groups[0].layers[static_cast<size_t>(l)]));
    label(grid.image, grid.row_labels.back(), {4, y + cell.height / 2});
    for (size_t c = 0; c < columns.size(); ++c) {
      const cv::Mat map = columns[c].maps->map(l, columns[c].head, query);
      const cv::Mat unit = normalise(map, style.shared_range ? shared : value_range(map));
      const cv::Mat cell_unit = upsample_to_image(unit, rgb.size(), preprocess, style.upsampling, cell);
      const cv::Mat colours = colorize(cell_unit, style.colormap);
      const cv::Rect where(kRowLabelWidth + static_cast<int>(c) * (cell.width + kGap), y, cell.width, cell.height);
      overlay(thumbnail, colours, cell_unit, style.opacity, style.blend).copyTo(grid.image(where));
      grid.cells[static_cast<size_t>(l)].push_back(where);
    }
  }
  draw_colour_bar(grid.image, {kRowLabelWidth + body_width + kGap, kHeaderHeight, kBarWidth, body_height - kGap}, style,
                  shared);
  return grid;
}

CaptionedRow captioned_row(const std::vector<cv::Mat>& pictures, const std::vector<std::string>& captions) {
  if (pictures.empty()) throw Error("captioned row: no pictures to place");
  if (captions.size() != pictures.size())
    throw Error("captioned row: " + std::to_string(captions.size()) + " captions for " + std::to_string(pictures.size()) + " pictures");
  int width = kGap, height = 0;
  for (const cv::Mat& p : pictures) {
    if (p.type() != CV_8UC3) throw Error("captioned row: every picture must be 8-bit RGB");
    width += p.cols + kGap;
    height = std::max(height, p.rows);
  }
  // Each caption is wrapped to its picture's width; the tallest sets the header.
  std::vector<std::vector<std::string>> lines;
  size_t most = 1;
  for (size_t i = 0; i < pictures.size(); ++i) {
    lines.push_back(wrapped(captions[i], pictures[i].cols));
    most = std::max(most, lines.back().size());
  }
  const int header = static_cast<int>(most) * kLineHeight + kGap * 2;
  CaptionedRow row;
  row.image = cv::Mat(header + height + kGap, width, CV_8UC3, kBackground);
  int x = kGap;
  for (size_t i = 0; i < pictures.size(); ++i) {
    const cv::Rect cell(x, header, pictures[i].cols, pictures[i].rows);
    pictures[i].copyTo(row.image(cell));
    for (size_t l = 0; l < lines[i].size(); ++l) label(row.image, lines[i][l], {x, kGap + static_cast<int>(l + 1) * kLineHeight - 3});
    row.cells.push_back(cell);
    x += cell.width + kGap;
  }
  return row;
}

}  // namespace vitlens
