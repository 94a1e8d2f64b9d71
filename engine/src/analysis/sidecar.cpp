#include "vitlens/analysis/sidecar.hpp"

#include <nlohmann/json.hpp>

namespace vitlens {

namespace {

// [layers][heads][queries] as nested JSON arrays.
nlohmann::json nested(const Tensor& shares) {
  nlohmann::json layers = nlohmann::json::array();
  for (int64_t l = 0; l < shares.dim(0); ++l) {
    nlohmann::json heads = nlohmann::json::array();
    for (int64_t h = 0; h < shares.dim(1); ++h) {
      nlohmann::json queries = nlohmann::json::array();
      for (int64_t q = 0; q < shares.dim(2); ++q) queries.push_back(shares.data[static_cast<size_t>((l * shares.dim(1) + h) * shares.dim(2) + q)]);
      heads.push_back(queries);
    }
    layers.push_back(heads);
  }
  return layers;
}

// What each map's row puts on the patches: the map's sum.
Tensor patch_sums(const AttentionMaps& maps) {
  Tensor sums(maps.prefix_share.shape);
  for (int l = 0; l < static_cast<int>(maps.layers.size()); ++l)
    for (int h = 0; h < static_cast<int>(maps.heads.size()); ++h)
      for (int q = 0; q < static_cast<int>(maps.queries.size()); ++q)
        sums.data[static_cast<size_t>((l * static_cast<int>(maps.heads.size()) + h) * static_cast<int>(maps.queries.size()) + q)] =
            static_cast<float>(cv::sum(maps.map(l, h, q))[0]);
  return sums;
}

}  // namespace

std::string attention_sidecar(const AttentionMaps& maps, const SidecarContext& context) {
  using Json = nlohmann::ordered_json;
  Json queries = Json::array();
  for (size_t q = 0; q < maps.queries.size(); ++q)
    queries.push_back({{"name", maps.queries[q].name()}, {"token", maps.query_tokens[q]}});
  Json doc = {
      {"npy", context.npy},
      {"dtype", "float32"},
      {"shape", maps.values.shape},
      {"axes", {"layer", "head", "query", "row", "column"}},
      {"model", context.model},
      {"image", context.image},
      {"image_size", {{"width", context.image_size.width}, {"height", context.image_size.height}}},
      {"input_size", {{"width", context.input_size.width}, {"height", context.input_size.height}}},
      {"method", maps.method},
      {"layers", maps.layers},
      {"heads", maps.heads},
      {"queries", queries},
      {"grid", {{"height", maps.grid_h}, {"width", maps.grid_w}}},
      {"tokens",
       {{"prefix", context.layout.prefix},
        {"registers", context.layout.registers},
        {"patches", context.layout.patches()},
        {"suffix", context.layout.suffix}}},
  };
  if (!maps.prefix_share.empty()) {
    doc["prefix_share"] = nested(maps.prefix_share);
    doc["patch_share"] = nested(patch_sums(maps));
    if (context.layout.registers) doc["register_share"] = nested(maps.register_share);
  }
  if (context.discard) doc["discard"] = *context.discard;
  if (context.mass) doc["mass"] = *context.mass;
  if (context.target_class) doc["class"] = {{"index", *context.target_class}, {"label", context.target_label}};
  return doc.dump(2) + "\n";
}

}  // namespace vitlens
