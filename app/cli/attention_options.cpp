#include "attention_options.hpp"

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "output.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::cli {
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

// "all" or comma-separated indices.
std::vector<int> index_list(const std::string& text, const std::string& what) {
  if (text == "all") return {};
  std::vector<int> indices;
  for (const std::string& part : split(text, ',')) indices.push_back(parse_integer(part, what, 0, 1'000'000));
  if (indices.empty()) throw UsageError(what + ": expected 'all' or indices such as 0,3");
  return indices;
}

double parse_number(const std::string& text, const std::string& what, double low, double high, bool high_inclusive) {
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || errno || end != text.c_str() + text.size())
    throw UsageError(what + ": expected a number, got '" + text + "'");
  if (!(value >= low && (high_inclusive ? value <= high : value < high)))
    throw UsageError(what + ": " + text + " is not in [" + compact(low) + ", " + compact(high) +
                     (high_inclusive ? "]" : ")"));
  return value;
}

AttentionMethod parse_method(const std::string& text) {
  for (AttentionMethod m : {AttentionMethod::Raw, AttentionMethod::Rollout, AttentionMethod::Mask, AttentionMethod::Relevance, AttentionMethod::Gradcam})
    if (text == to_string(m)) return m;
  throw UsageError("--method: '" + text + "' is not one of raw, rollout, mask, relevance, gradcam");
}

// Engine parsers throw vitlens::Error; on the command line that is a usage mistake.
template <typename Parse>
auto as_usage(const std::string& option, Parse parse) {
  try {
    return parse();
  } catch (const Error& e) {
    throw UsageError(option + ": " + e.what());
  }
}

void parse_heads(const std::string& text, AttentionOptions& o) {
  if (text == "mean" || text == "max" || text == "min")
    o.selection.fusion = parse_head_fusion(text);
  else
    o.selection.heads = index_list(text, "--heads");
}

void parse_formats(const std::string& text, AttentionOptions& o) {
  for (const std::string& f : split(text, ',')) {
    if (f == "overlay") o.overlay = true;
    else if (f == "heatmap") o.heatmap = true;
    else if (f == "grid") o.grid = true;
    else if (f == "npy") o.npy = true;
    else if (f == "json") o.json = true;
    else throw UsageError("--format: '" + f + "' is not one of overlay, heatmap, grid, npy, json");
  }
  if (!(o.overlay || o.heatmap || o.grid || o.npy || o.json)) throw UsageError("--format: name at least one format");
}

void check_method_options(const ParsedArgs& args, const AttentionOptions& o) {
  if (args.has("discard") && o.method != AttentionMethod::Rollout)
    throw UsageError("--discard applies to --method rollout only");
  if (args.has("mass") && o.method != AttentionMethod::Mask) throw UsageError("--mass applies to --method mask only");
  if (args.has("class") && !needs_gradients(o.method)) throw UsageError("--class applies to --method relevance and gradcam only");
  if (needs_gradients(o.method) && (args.has("layers") || args.has("heads")))
    throw UsageError(std::string("--method ") + to_string(o.method) + " gives one map through every layer and head; leave --layers and --heads out");
}

}  // namespace

const char* to_string(AttentionMethod method) {
  switch (method) {
    case AttentionMethod::Raw: return "raw";
    case AttentionMethod::Rollout: return "rollout";
    case AttentionMethod::Mask: return "mask";
    case AttentionMethod::Relevance: return "relevance";
    case AttentionMethod::Gradcam: return "gradcam";
  }
  return "";
}

bool needs_gradients(AttentionMethod method) { return method == AttentionMethod::Relevance || method == AttentionMethod::Gradcam; }

void add_attention_options(ArgParser& parser) {
  parser.option("layers", "all|I,J", "layers to show, counted from 0 (default all)")
      .option("heads", "all|mean|max|min|I,J",
              "heads to show, or fuse them into one map per layer (default all; rollout fuses with mean)")
      .option("query", "TOKEN",
              "whose attention row: cls (default), dist (DeiT), reg:J (register J, DINOv2 with registers), "
              "det:J (YOLOS detection token J), patch:R,C (grid row R, column C), token:K, probe (SigLIP's "
              "pooling probe: the default for SigLIP, which has no CLS)")
      .option("method", "raw|rollout|mask|relevance|gradcam",
              "raw post-softmax attention (default); rollout through each layer (Abnar & Zuidema); "
              "mask: DINO's patches holding --mass of the attention; relevance: class-specific relevance "
              "(Chefer et al. 2021, from gradients); gradcam: Grad-CAM on the last block's norm1")
      .option("class", "K|LABEL", "relevance, gradcam: the class to explain, by index or label (default: the top class)")
      .option("discard", "R", "rollout: zero the lowest fraction R of each layer's fused weights (default 0)")
      .option("mass", "T", "mask: keep the patches holding fraction T of each map (default 0.6)")
      .option("colormap", "NAME", "viridis (default), inferno, magma, turbo, jet, gray")
      .option("opacity", "A", "overlay opacity in [0, 1] (default 0.5)")
      .option("blend", "ramp|uniform",
              "ramp (default): low values fade to the image, a pixel's opacity is A times its value; "
              "uniform: opacity A everywhere, tinting the whole image")
      .option("normalize", "map|shared",
              "colour each map over its own min..max (default), or over one range shared by the image's maps")
      .option("upsample", "nearest|bilinear", "how maps reach image size (default: nearest; bilinear for rollout)")
      .option("cell-size", "PIXELS", "longest side of a grid cell (default 160)")
      .option("format", "LIST",
              "comma-separated: overlay, heatmap, grid, npy (maps + JSON description), json (the description alone, "
              "with the share of attention on prefix tokens and patches) (default grid,npy)")
      .option("out", "DIR", "output folder (created when missing)", true)
      .flag("overwrite", "replace existing output files (default: refuse, and skip that image)");
}

AttentionOptions parse_attention_options(const ParsedArgs& args) {
  AttentionOptions o;
  o.method = parse_method(args.value("method", "raw"));
  o.selection.layers = index_list(args.value("layers", "all"), "--layers");
  parse_heads(args.value("heads", "all"), o);
  if (o.method == AttentionMethod::Rollout && !o.selection.fusion) o.selection.fusion = HeadFusion::Mean;
  if (args.has("query")) o.selection.queries = {as_usage("--query", [&] { return QueryToken::parse(args.value("query")); })};
  check_method_options(args, o);
  o.class_text = args.value("class", "");
  if (args.has("discard")) o.discard = parse_number(args.value("discard"), "--discard", 0, 1, false);
  if (args.has("mass")) o.mass = parse_number(args.value("mass"), "--mass", 0, 1, true);
  if (o.mass == 0) throw UsageError("--mass: must be more than 0");
  o.colormap = as_usage("--colormap", [&] { return parse_colormap(args.value("colormap", "viridis")); });
  if (args.has("opacity")) o.opacity = parse_number(args.value("opacity"), "--opacity", 0, 1, true);
  o.blend = as_usage("--blend", [&] { return parse_blend(args.value("blend", "ramp")); });
  const std::string normalize = args.value("normalize", "map");
  if (normalize != "map" && normalize != "shared")
    throw UsageError("--normalize: '" + normalize + "' is not one of map, shared");
  o.shared_range = normalize == "shared";
  o.upsampling = o.method == AttentionMethod::Rollout ? Upsampling::Bilinear : Upsampling::Nearest;
  if (args.has("upsample")) o.upsampling = as_usage("--upsample", [&] { return parse_upsampling(args.value("upsample")); });
  o.cell_size = args.integer("cell-size", o.cell_size, 16, 4096);
  parse_formats(args.value("format", "grid,npy"), o);
  o.overwrite = args.flag("overwrite");
  o.out = args.value("out");
  return o;
}

}  // namespace vitlens::cli
