#include "vitlens/analysis/maps.hpp"

#include <algorithm>
#include <tuple>

#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

std::vector<int> all_indices(int count) {
  std::vector<int> all(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) all[static_cast<size_t>(i)] = i;
  return all;
}

std::vector<int> checked(const std::vector<int>& requested, int count, const std::string& what) {
  if (requested.empty()) return all_indices(count);
  for (int i : requested)
    if (i < 0 || i >= count)
      throw Error(what + " " + std::to_string(i) + " is out of range: the model has " + std::to_string(count) + " " +
                  what + "s (0-" + std::to_string(count - 1) + ")");
  return requested;
}

float fuse(float a, float b, HeadFusion fusion) {
  switch (fusion) {
    case HeadFusion::Max: return std::max(a, b);
    case HeadFusion::Min: return std::min(a, b);
    case HeadFusion::Mean: return a + b;  // divided by the head count afterwards
  }
  return a;
}

// Row `query_row` of (layer, head) in ForwardOutput::attention [L, H, Q, T].
const float* attention_row(const Tensor& attention, int layer, int head, int query_row) {
  const int64_t heads = attention.dim(1), rows = attention.dim(2), tokens = attention.dim(3);
  return attention.ptr() + ((layer * heads + head) * rows + query_row) * tokens;
}

int query_row(const ForwardOutput& output, int token) {
  auto it = std::find(output.attention_queries.begin(), output.attention_queries.end(), token);
  if (it == output.attention_queries.end())
    throw Error("the forward pass returned no attention row for token " + std::to_string(token));
  return static_cast<int>(it - output.attention_queries.begin());
}

// The sums of a row over the prefix tokens and over the registers.
std::pair<float, float> prefix_sums(const float* row, const TokenLayout& layout) {
  double prefix = 0, registers = 0;
  for (int t = 0; t < layout.prefix; ++t) (t >= layout.first_register() ? registers : prefix) += row[t];
  return {static_cast<float>(prefix + registers), static_cast<float>(registers)};
}

Tensor fuse_shares(const Tensor& shares, HeadFusion fusion) {
  if (shares.empty()) return shares;
  const int64_t layers = shares.dim(0), heads = shares.dim(1), queries = shares.dim(2);
  Tensor fused({layers, 1, queries});
  for (int64_t l = 0; l < layers; ++l)
    for (int64_t q = 0; q < queries; ++q) {
      float value = shares.data[static_cast<size_t>((l * heads) * queries + q)];
      for (int64_t h = 1; h < heads; ++h) value = fuse(value, shares.data[static_cast<size_t>((l * heads + h) * queries + q)], fusion);
      fused.data[static_cast<size_t>(l * queries + q)] = fusion == HeadFusion::Mean ? value / static_cast<float>(heads) : value;
    }
  return fused;
}

void check_attention(const ForwardOutput& output, const TokenLayout& layout) {
  const Tensor& a = output.attention;
  if (a.rank() != 4 || a.dim(3) != layout.tokens() || a.dim(2) != static_cast<int64_t>(output.attention_queries.size()))
    throw Error("attention of shape " + shape_string(a.shape) + " does not match the token layout " + describe(layout) +
                " (a forward pass without an attention request returns none)");
}

}  // namespace

const char* to_string(HeadFusion fusion) {
  switch (fusion) {
    case HeadFusion::Mean: return "mean";
    case HeadFusion::Max: return "max";
    case HeadFusion::Min: return "min";
  }
  return "";
}

HeadFusion parse_head_fusion(const std::string& text) {
  for (HeadFusion f : {HeadFusion::Mean, HeadFusion::Max, HeadFusion::Min})
    if (text == to_string(f)) return f;
  throw Error("head fusion '" + text + "' is not one of mean, max, min");
}

void AttentionMaps::allocate() {
  values = Tensor({static_cast<int64_t>(layers.size()), static_cast<int64_t>(heads.size()),
                   static_cast<int64_t>(queries.size()), grid_h, grid_w});
}

cv::Mat AttentionMaps::map(int layer, int head, int query) {
  const int64_t index = (static_cast<int64_t>(layer) * values.dim(1) + head) * values.dim(2) + query;
  return cv::Mat(grid_h, grid_w, CV_32F, values.ptr() + index * grid_h * grid_w);
}

cv::Mat AttentionMaps::map(int layer, int head, int query) const {
  return const_cast<AttentionMaps*>(this)->map(layer, head, query);
}

MapSelection resolve(const MapSelection& selection, int num_layers, int num_heads) {
  MapSelection resolved = selection;
  resolved.layers = checked(selection.layers, num_layers, "layer");
  resolved.heads = checked(selection.heads, num_heads, "head");
  if (resolved.queries.empty()) resolved.queries = {QueryToken{}};
  return resolved;
}

AttentionRequest attention_request(const std::vector<int>& query_tokens) {
  std::vector<int> unique = query_tokens;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  return AttentionRequest::selected(unique);
}

std::vector<int> resolve_queries(const std::vector<QueryToken>& queries, const TokenLayout& layout) {
  std::vector<int> tokens;
  for (const QueryToken& q : queries) tokens.push_back(q.resolve(layout));
  return tokens;
}

AttentionMaps raw_attention_maps(const ForwardOutput& output, const TokenLayout& layout, const MapSelection& selection) {
  check_attention(output, layout);
  const MapSelection s =
      resolve(selection, static_cast<int>(output.attention.dim(0)), static_cast<int>(output.attention.dim(1)));
  AttentionMaps maps;
  maps.method = "raw";
  maps.layers = s.layers;
  for (int h : s.heads) maps.heads.push_back(std::to_string(h));
  maps.queries = s.queries;
  maps.query_tokens = resolve_queries(s.queries, layout);
  maps.grid_h = layout.grid_h;
  maps.grid_w = layout.grid_w;
  maps.allocate();
  const std::vector<int64_t> share_shape{static_cast<int64_t>(s.layers.size()), static_cast<int64_t>(s.heads.size()),
                                         static_cast<int64_t>(maps.queries.size())};
  maps.prefix_share = Tensor(share_shape);
  maps.register_share = Tensor(share_shape);
  size_t share = 0;
  for (size_t l = 0; l < s.layers.size(); ++l)
    for (size_t h = 0; h < s.heads.size(); ++h)
      for (size_t q = 0; q < maps.queries.size(); ++q, ++share) {
        const float* row = attention_row(output.attention, s.layers[l], s.heads[h], query_row(output, maps.query_tokens[q]));
        cv::Mat(layout.grid_h, layout.grid_w, CV_32F, const_cast<float*>(row + layout.first_patch()))
            .copyTo(maps.map(static_cast<int>(l), static_cast<int>(h), static_cast<int>(q)));
        std::tie(maps.prefix_share.data[share], maps.register_share.data[share]) = prefix_sums(row, layout);
      }
  return s.fusion ? fuse_heads(maps, *s.fusion) : maps;
}

AttentionMaps probe_attention_maps(const ForwardOutput& output, const TokenLayout& layout, const MapSelection& selection,
                                   int num_layers) {
  const Tensor& a = output.probe_attention;
  if (a.rank() != 2 || a.dim(1) != layout.tokens())
    throw Error("query token 'probe': the model has no pooling probe (only SigLIP pools with one)");
  const MapSelection s = resolve(selection, num_layers, static_cast<int>(a.dim(0)));
  AttentionMaps maps;
  maps.method = "raw";
  maps.layers = {num_layers};
  for (int h : s.heads) maps.heads.push_back(std::to_string(h));
  maps.queries = {QueryToken{QueryToken::Kind::Probe, 0, 0}};
  maps.query_tokens = {-1};
  maps.grid_h = layout.grid_h;
  maps.grid_w = layout.grid_w;
  maps.allocate();
  maps.prefix_share = Tensor({1, static_cast<int64_t>(s.heads.size()), 1});
  maps.register_share = Tensor({1, static_cast<int64_t>(s.heads.size()), 1});
  for (size_t h = 0; h < s.heads.size(); ++h) {
    const float* row = a.ptr() + static_cast<int64_t>(s.heads[h]) * a.dim(1);
    cv::Mat(layout.grid_h, layout.grid_w, CV_32F, const_cast<float*>(row + layout.first_patch())).copyTo(maps.map(0, static_cast<int>(h), 0));
    std::tie(maps.prefix_share.data[h], maps.register_share.data[h]) = prefix_sums(row, layout);
  }
  return s.fusion ? fuse_heads(maps, *s.fusion) : maps;
}

std::vector<QueryToken> named_queries(const VitConfig& config) {
  std::vector<QueryToken> named;
  if (config.class_token) named.push_back({QueryToken::Kind::Cls, 0, 0});
  if (config.num_prefix_tokens - config.num_register_tokens - (config.class_token ? 1 : 0) > 0) named.push_back({QueryToken::Kind::Dist, 0, 0});
  for (int r = 0; r < config.num_register_tokens; ++r) named.push_back({QueryToken::Kind::Reg, r, 0});
  if (config.pooling == Pooling::Probe) named.push_back({QueryToken::Kind::Probe, 0, 0});
  return named;
}

std::optional<AttentionShare> attention_share(const AttentionMaps& maps, int layer, int head, int query) {
  if (maps.prefix_share.empty()) return std::nullopt;
  const auto index = static_cast<size_t>((static_cast<int64_t>(layer) * maps.prefix_share.dim(1) + head) * maps.prefix_share.dim(2) + query);
  return AttentionShare{maps.prefix_share.data[index], maps.register_share.data[index], cv::sum(maps.map(layer, head, query))[0]};
}

QueryToken default_query(const VitConfig& config) {
  return !config.class_token && config.pooling == Pooling::Probe ? QueryToken{QueryToken::Kind::Probe, 0, 0} : QueryToken{};
}

AttentionMaps fuse_heads(const AttentionMaps& maps, HeadFusion fusion) {
  AttentionMaps fused = maps;
  fused.heads = {to_string(fusion)};
  fused.allocate();
  fused.prefix_share = fuse_shares(maps.prefix_share, fusion);
  fused.register_share = fuse_shares(maps.register_share, fusion);
  const int heads = static_cast<int>(maps.heads.size());
  for (int l = 0; l < static_cast<int>(maps.layers.size()); ++l)
    for (int q = 0; q < static_cast<int>(maps.queries.size()); ++q) {
      cv::Mat out = fused.map(l, 0, q);
      maps.map(l, 0, q).copyTo(out);
      for (int h = 1; h < heads; ++h) {
        const cv::Mat in = maps.map(l, h, q);
        for (int i = 0; i < out.rows * out.cols; ++i)
          out.ptr<float>()[i] = fuse(out.ptr<float>()[i], in.ptr<float>()[i], fusion);
      }
      if (fusion == HeadFusion::Mean) out /= static_cast<float>(heads);
    }
  return fused;
}

}  // namespace vitlens
