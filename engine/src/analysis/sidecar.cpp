#include "vitlens/analysis/sidecar.hpp"

#include <nlohmann/json.hpp>

namespace vitlens {

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
       {{"prefix", context.layout.prefix}, {"patches", context.layout.patches()}, {"suffix", context.layout.suffix}}},
  };
  if (context.discard) doc["discard"] = *context.discard;
  if (context.mass) doc["mass"] = *context.mass;
  return doc.dump(2) + "\n";
}

}  // namespace vitlens
