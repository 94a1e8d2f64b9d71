#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>

#include <opencv2/core.hpp>

#include "command.hpp"
#include "image_inputs.hpp"
#include "progress.hpp"
#include "shared_options.hpp"
#include "vitlens/analysis/colormap.hpp"
#include "vitlens/analysis/features.hpp"
#include "vitlens/analysis/npy.hpp"
#include "vitlens/analysis/query_token.hpp"
#include "vitlens/analysis/upsampling.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/input_size.hpp"
#include "vitlens/image/preprocess.hpp"
#include "vitlens/model/truncate.hpp"
#include "vitlens/util/error.hpp"
#include "vitlens/util/safe_file.hpp"

namespace vitlens::cli {

namespace {

namespace fs = std::filesystem;

const char* const kNaming =
    "Files, in --out DIR, for each image STEM (as 'attention' names them):\n"
    "  STEM_pca.npy                   float32 [grid_h, grid_w, 3]: projections on the first three\n"
    "                                 principal components of the patch features\n"
    "  STEM_pca.png                   the components min-max scaled to red, green, blue, at the\n"
    "                                 image's size (black outside the foreground with --foreground)\n"
    "  STEM_similarity_patchR-C.npy   float32 [grid_h, grid_w]: cosine similarity to patch (R, C)\n"
    "  STEM_similarity_patchR-C.png   the same through --colormap, at the image's size\n"
    "  STEM_embedding.npy             float32 [size]: the image's feature vector: the pooled feature\n"
    "                                 (CLS, patch mean, DINOv2's [CLS, mean], SigLIP's probe output),\n"
    "                                 projected into the joint space for CLIP\n"
    "With --layer L the names end in _L<L> (STEM_pca_L03.npy). Features are the final normed\n"
    "hidden state, or block L's output. Existing files are kept unless --overwrite.\n";

enum class Method { Pca, Similarity, Embedding };

struct FeatureOptions {
  Method method = Method::Pca;
  std::optional<int> layer;
  int row = 0, column = 0;  // --patch, for similarity
  std::optional<float> foreground;
  bool png = true, npy = true;
  Colormap colormap = Colormap::Viridis;
  std::string out;
  bool overwrite = false;
};

template <class F>
auto as_usage(const std::string& option, F parse) {
  try {
    return parse();
  } catch (const Error& e) {
    throw UsageError(option + ": " + e.what());
  }
}

FeatureOptions parse_feature_options(const ParsedArgs& args) {
  FeatureOptions o;
  const std::string method = args.value("method");
  if (method == "pca") o.method = Method::Pca;
  else if (method == "similarity") o.method = Method::Similarity;
  else if (method == "embedding") o.method = Method::Embedding;
  else throw UsageError("--method: '" + method + "' is not one of pca, similarity, embedding");
  if (args.has("layer") && o.method == Method::Embedding) throw UsageError("--layer: the embedding is the model's own output; leave --layer out");
  if (args.has("layer")) o.layer = args.integer("layer", 0, 0, 1'000'000);
  if (args.has("patch") != (o.method == Method::Similarity))
    throw UsageError(o.method == Method::Similarity ? "--method similarity needs --patch R,C"
                                                    : "--patch is for --method similarity");
  if (args.has("patch")) {
    const QueryToken patch = as_usage("--patch", [&] { return QueryToken::parse("patch:" + args.value("patch")); });
    o.row = patch.index;
    o.column = patch.column;
  }
  if (args.has("foreground")) {
    if (o.method != Method::Pca) throw UsageError("--foreground is for --method pca");
    o.foreground = static_cast<float>(args.number("foreground", 0.5, 1e-6, 1 - 1e-6));
  }
  if (args.has("format")) {
    o.png = o.npy = false;
    std::string formats = args.value("format") + ",";
    for (size_t start = 0, comma; (comma = formats.find(',', start)) != std::string::npos; start = comma + 1) {
      const std::string f = formats.substr(start, comma - start);
      if (f == "png") o.png = true;
      else if (f == "npy") o.npy = true;
      else throw UsageError("--format: '" + f + "' is not one of png, npy");
    }
  }
  o.colormap = as_usage("--colormap", [&] { return parse_colormap(args.value("colormap", "viridis")); });
  o.out = args.value("out");
  o.overwrite = args.flag("overwrite");
  return o;
}

// The grid of `map` (CV_32F, values in [0, 1]) drawn over the original image's geometry.
cv::Mat on_image(const cv::Mat& unit, const cv::Mat& rgb, const PreprocessConfig& preprocess) {
  return upsample_to_image(unit, rgb.size(), preprocess, Upsampling::Nearest, rgb.size());
}

class FeaturesCommand {
 public:
  FeaturesCommand(const FeatureOptions& o, const InputOptions& input, std::shared_ptr<const Model> model,
                  const DeviceInfo& device, const BackendOptions& backend)
      : o_(o), input_(input), model_(std::move(model)), session_(o.layer ? std::make_shared<const Model>(truncated_after_block(*model_, *o.layer)) : model_, device, backend) {}

  const Session& session() const { return session_; }

  size_t export_image(const std::string& path, const std::string& name) {
    const cv::Mat rgb = load_image_rgb(path);
    const InputPlan plan = input_plan(*model_, rgb.size(), input_);
    const PreprocessConfig& p = plan.preprocess;
    const Tensor pixels = preprocess(rgb, p);
    const TokenLayout layout = token_layout(model_->config, static_cast<int>(pixels.dim(1)), static_cast<int>(pixels.dim(2)));
    const ForwardOutput output = session_.run(pixels);
    const cv::Mat features = patch_features(output.hidden_state, layout);
    const std::string suffix = o_.layer ? "_L" + two_digits(*o_.layer) : "";
    const std::string base = (fs::path(o_.out) / name).string();

    std::vector<std::pair<std::string, std::function<void(const std::string&)>>> files;
    if (o_.method == Method::Pca) {
      cv::Mat keep;
      if (o_.foreground) keep = pca_foreground(pca_projections(features, layout), *o_.foreground);
      const Tensor pca = pca_projections(features, layout, keep);
      const std::string stem = base + "_pca" + suffix;
      if (o_.npy) files.push_back({stem + ".npy", [this, pca](const std::string& p) { write_file_safely(p, npy_bytes(pca), o_.overwrite); }});
      if (o_.png)
        files.push_back({stem + ".png", [this, pca, keep, &rgb, &p](const std::string& file) {
                           write_png_safely(file, pca_picture(pca, keep, rgb.size(), p, rgb.size()), o_.overwrite);
                         }});
    } else if (o_.method == Method::Embedding) {
      const Tensor embedding = output.embedding;
      if (embedding.empty()) throw Error(model_->path + ": the model has no pooled output to export");
      files.push_back({base + "_embedding.npy", [this, embedding](const std::string& p) { write_file_safely(p, npy_bytes(embedding), o_.overwrite); }});
    } else {
      const Tensor similarity = patch_similarity(features, layout, o_.row, o_.column);
      const std::string stem = base + "_similarity_patch" + std::to_string(o_.row) + "-" + std::to_string(o_.column) + suffix;
      if (o_.npy)
        files.push_back({stem + ".npy", [this, similarity](const std::string& p) { write_file_safely(p, npy_bytes(similarity), o_.overwrite); }});
      if (o_.png)
        files.push_back({stem + ".png", [this, similarity, &rgb, &layout, &p](const std::string& file) {
                           cv::Mat grid(layout.grid_h, layout.grid_w, CV_32F, const_cast<float*>(similarity.ptr()));
                           const cv::Mat unit = normalise(grid, value_range(grid));
                           write_png_safely(file, colorize(on_image(unit, rgb, p), o_.colormap), o_.overwrite);
                         }});
    }
    for (const auto& [file, write] : files)
      if (!o_.overwrite && fs::exists(file)) throw Error(file + ": already exists; pass --overwrite to replace it");
    for (const auto& [file, write] : files) write(file);
    return files.size();
  }

 private:
  static std::string two_digits(int n) {
    std::string digits = std::to_string(n);
    if (n < 10) digits.insert(digits.begin(), '0');
    return digits;
  }

  FeatureOptions o_;
  InputOptions input_;
  std::shared_ptr<const Model> model_;
  Session session_;
};

}  // namespace

ArgParser features_arguments() {
  ArgParser parser(kProgram, "features",
                   "Export feature views: the PCA colouring of the patch features, one patch's similarity to every other, or the image's embedding.");
  parser.epilog(kNaming);
  add_model_option(parser);
  add_device_option(parser);
  parser.option("method", "pca|similarity|embedding",
                "the first three principal components as colours, cosine similarity to --patch, or the image's embedding (.npy)", true)
      .option("layer", "L", "features of encoder block L's output (0-based) instead of the final normed hidden state")
      .option("patch", "R,C", "the patch (grid row, column) to compare with, for --method similarity")
      .option("foreground", "T", "PCA of the foreground only: patches whose first component, min-max scaled, exceeds T (0-1), as DINOv2's demos do")
      .option("format", "LIST", "png,npy (default both)")
      .option("colormap", "NAME", "colours of the similarity map: viridis (default), inferno, magma, turbo, jet, gray")
      .option("out", "DIR", "folder for the files (created if missing)", true)
      .flag("overwrite", "replace existing files");
  add_size_options(parser);
  add_recursive_flag(parser);
  return parser.positional("IMAGE_OR_FOLDER", "image files, or folders whose images are taken in natural order", true);
}

int run_features(const ParsedArgs& args) {
  const FeatureOptions options = parse_feature_options(args);
  const InputOptions input = input_options(args);
  const std::vector<std::string> images = expand_image_inputs(args.positionals(), args.flag("recursive"));
  const std::map<std::string, std::string> names = output_names(images);
  std::shared_ptr<const Model> model = load_model_option(args);
  check_input_options_for(input, *model);
  if (options.layer && *options.layer >= model->config.num_layers)
    throw UsageError(model->path + ": --layer " + std::to_string(*options.layer) + " is out of range: the model has " +
                     std::to_string(model->config.num_layers) + " layers (0-" +
                     std::to_string(model->config.num_layers - 1) + ")");
  std::error_code error;
  fs::create_directories(options.out, error);
  if (error || !fs::is_directory(options.out))
    throw Error(options.out + ": cannot create the output folder" + (error ? ": " + error.message() : ""));
  FeaturesCommand command(options, input, model, device_option(args), backend_options(args));
  std::cout << "model:  " << model->path << "\ndevice: " << describe(command.session().device()) << '\n';

  Progress progress(images.size());
  size_t failures = 0, written = 0;
  for (const std::string& image : images) {
    progress.step(image);
    try {
      written += command.export_image(image, names.at(image));
    } catch (const std::exception& e) {
      progress.message(std::string(kProgram) + ": " + naming(image, e.what()));
      ++failures;
    }
  }
  progress.finish();
  std::cout << images.size() - failures << " of " << images.size() << " images done, " << written << " files written to "
            << options.out << (failures ? ", " + std::to_string(failures) + " failed" : "") << '\n';
  return failures ? 1 : 0;
}

}  // namespace vitlens::cli
