#include <cctype>
#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>

#include "attention_options.hpp"
#include "command.hpp"
#include "image_inputs.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "shared_options.hpp"
#include "vitlens/analysis/grid.hpp"
#include "vitlens/analysis/mask.hpp"
#include "vitlens/analysis/relevance.hpp"
#include "vitlens/analysis/npy.hpp"
#include "vitlens/analysis/rollout.hpp"
#include "vitlens/analysis/sidecar.hpp"
#include "vitlens/backend/batch_queue.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/preprocess.hpp"
#include "vitlens/util/error.hpp"
#include "vitlens/util/safe_file.hpp"

namespace vitlens::cli {

namespace {

namespace fs = std::filesystem;

const char* const kNaming =
    "Files, in --out DIR, for each image STEM (its file name without extension, or with it when two\n"
    "inputs share a stem), METHOD and QUERY (cls, dist, det3, patch2-5, token7):\n"
    "  STEM_METHOD_QUERY.npy                   float32 [layers, heads, queries, grid_h, grid_w]\n"
    "  STEM_METHOD_QUERY.json                  what each axis holds: layers, heads, query tokens, grid\n"
    "  STEM_METHOD_QUERY_grid.png              rows = layers, columns = heads, then the fused map\n"
    "                                          (and the rollout for --method rollout)\n"
    "  STEM_METHOD_QUERY_L<layer>_<head>_overlay.png   one map over the image (head: H<n> or mean|max|min)\n"
    "  STEM_METHOD_QUERY_L<layer>_<head>_heatmap.png   the same map alone, coloured\n"
    "Layer and head numbers are zero-padded to the model's largest (L03, H11), so names sort in\n"
    "order. PNG files have the original image's size (grids excepted). Existing files are kept unless\n"
    "--overwrite; an image whose outputs exist is reported and skipped. Exit status: 0, 1 when\n"
    "any image failed or a folder holds no images, 2 for usage mistakes.\n";

// `index` with leading zeros to the width of `largest` (numbers of a model sort as text).
std::string padded(int index, int largest) {
  const std::string digits = std::to_string(index);
  const size_t width = std::to_string(largest).size();
  return std::string(width > digits.size() ? width - digits.size() : 0, '0') + digits;
}

// "H03" for head 3 of 12, or the fusion's name ("mean").
std::string head_tag(const std::string& head, int largest) {
  if (!std::isdigit(static_cast<unsigned char>(head[0]))) return head;
  std::string tag = "H";
  tag += padded(std::stoi(head), largest);
  return tag;
}

// The file-name tag of the queries a stack holds: "cls", or "cls+patch2-5" for several.
std::string query_tags(const std::vector<QueryToken>& queries) {
  std::string tags;
  for (const QueryToken& q : queries) {
    if (!tags.empty()) tags += '+';
    tags += q.file_tag();
  }
  return tags;
}

// One file to write: its path and how to make its bytes (run only after every path of the
// image was checked, so an image never ends up half-exported).
struct PlannedFile {
  std::string path;
  std::function<void(const std::string& path, bool overwrite)> write;
};

struct ImageResult {
  std::string image;
  std::vector<PlannedFile> files;
};

// How an image ended: the files it wrote, or why it failed.
struct Finished {
  size_t id = 0;
  size_t files = 0;
  std::exception_ptr error;
};

struct Analysis {
  AttentionMaps primary;                  // what --method computes: the .npy and per-map PNGs
  std::vector<AttentionMaps> grid_groups;  // the grid's column groups
};

class AttentionCommand {
 public:
  AttentionCommand(const AttentionOptions& options, const InputOptions& input, std::shared_ptr<const Model> model,
                   const DeviceInfo& device, const BackendOptions& backend, int batch)
      : o_(options), input_(input), model_(std::move(model)), session_(model_, device, backend), queue_(session_, batch) {}

  const Session& session() const { return session_; }

  // Starts image `id`: decodes it and computes its maps, or, where they come from one forward
  // pass (raw, mask), queues it for a batch. Returns the images this finished, its own or
  // earlier ones whose batch ran; throws what fails this image before it is queued.
  std::vector<Finished> add(size_t id, const std::string& path, const std::string& name) {
    Image image = decode(path, name);
    if (needs_gradients(o_.method) || o_.method == AttentionMethod::Rollout) {
      std::optional<LogitTarget> target;
      const Analysis a = needs_gradients(o_.method)
                             ? explain(image.pixels, image.layout, target)
                             : rollout(image.pixels, image.layout, resolve_queries(o_.selection.queries, image.layout));
      return {{id, write(image, a, target), nullptr}};
    }
    const AttentionRequest request =
        probe_query() ? AttentionRequest::none() : attention_request(resolve_queries(o_.selection.queries, image.layout));
    std::vector<BatchQueue::Result> done = queue_.push(id, image.pixels, request);
    waiting_bytes_ += bytes(image);
    waiting_.emplace(id, std::move(image));
    std::vector<Finished> finished = finish(std::move(done));
    // A batch of large photos holds every original until its maps are drawn: past a bound it
    // runs early, as a smaller batch.
    if (waiting_bytes_ > kMaxWaitingBytes)
      for (const Finished& f : flush()) finished.push_back(f);
    return finished;
  }

  // Runs the images still waiting for a batch.
  std::vector<Finished> flush() { return finish(queue_.flush()); }

 private:
  struct Image {
    std::string path;
    std::string name;
    cv::Mat rgb;
    PreprocessConfig preprocess;
    Tensor pixels;
    TokenLayout layout;
  };

  static size_t bytes(const Image& image) {
    return image.rgb.total() * image.rgb.elemSize() + image.pixels.data.size() * sizeof(float);
  }

  Image decode(const std::string& path, const std::string& name) const {
    Image image{path, name, load_image_rgb(path), {}, {}, {}};
    image.preprocess = input_plan(*model_, image.rgb.size(), input_).preprocess;
    image.pixels = preprocess(image.rgb, image.preprocess);
    image.layout = token_layout(model_->config, static_cast<int>(image.pixels.dim(1)), static_cast<int>(image.pixels.dim(2)));
    return image;
  }

  std::vector<Finished> finish(std::vector<BatchQueue::Result> done) {
    std::vector<Finished> finished;
    for (BatchQueue::Result& r : done) {
      const auto found = waiting_.find(r.id);
      Finished f{r.id, 0, r.error};
      try {
        if (!f.error) f.files = write(found->second, analyse(r.output, found->second.layout), std::nullopt);
      } catch (...) {
        f.error = std::current_exception();
      }
      waiting_bytes_ -= bytes(found->second);
      waiting_.erase(found);
      finished.push_back(f);
    }
    return finished;
  }

  // Writes every file of one image's analysis; returns how many.
  size_t write(const Image& image, const Analysis& a, const std::optional<LogitTarget>& target) {
    const cv::Mat& rgb = image.rgb;
    const PreprocessConfig& p = image.preprocess;
    const std::string& path = image.path;
    const Tensor& pixels = image.pixels;
    const TokenLayout& layout = image.layout;
    const std::string stem = (fs::path(o_.out) / image.name).string() + "_" + a.primary.method;
    std::vector<PlannedFile> files;
    if (o_.npy || o_.json) plan_npy(files, a.primary, stem + "_" + query_tags(a.primary.queries), path, rgb, pixels, layout, target);
    for (int q = 0; q < static_cast<int>(a.primary.queries.size()); ++q) {
      const std::string query_stem = stem + "_" + a.primary.queries[static_cast<size_t>(q)].file_tag();
      if (o_.grid) plan_grid(files, a.grid_groups, q, query_stem + "_grid.png", rgb, p);
      if (o_.overlay || o_.heatmap) plan_maps(files, a.primary, q, query_stem, rgb, p);
    }
    for (const PlannedFile& f : files)
      if (!o_.overwrite && fs::exists(f.path)) throw Error(f.path + ": already exists; pass --overwrite to replace it");
    for (const PlannedFile& f : files) f.write(f.path, o_.overwrite);
    return files.size();
  }

  // Rollout needs every row of every layer: it is accumulated while the forward pass streams
  // them, so only one layer's rows are held (a ViT-S/8's 785 tokens would need 170 MB).
  Analysis rollout(const Tensor& pixels, const TokenLayout& layout, const std::vector<int>& queries) {
    RolloutAccumulator accumulator(layout, o_.selection, o_.discard, model_->config.num_layers, model_->config.num_heads);
    ForwardOutput output = session_.run(pixels, accumulator.request(queries));
    output.attention = accumulator.kept_rows();
    output.attention_queries = queries;
    return analyse(output, layout, accumulator.maps());
  }

  // Relevance and Grad-CAM: one map, from the gradient of the chosen (or top) class's logit.
  Analysis explain(const Tensor& pixels, const TokenLayout& layout, std::optional<LogitTarget>& target) {
    const QueryToken& query = o_.selection.queries.front();
    const Explanation e = session_.explain(pixels, explanation_target(*model_, query, o_.class_text));
    target = e.target;
    const AttentionMaps maps = o_.method == AttentionMethod::Relevance ? relevance_maps(e, layout, query) : gradcam_maps(e, layout, query);
    return {maps, {maps}};
  }

  bool probe_query() const { return o_.selection.queries.front().kind == QueryToken::Kind::Probe; }

  Analysis analyse(const ForwardOutput& output, const TokenLayout& layout,
                   const std::optional<AttentionMaps>& rollout = std::nullopt) const {
    MapSelection per_head = o_.selection;
    per_head.fusion.reset();
    const AttentionMaps heads = probe_query() ? probe_attention_maps(output, layout, per_head, model_->config.num_layers)
                                              : raw_attention_maps(output, layout, per_head);
    const HeadFusion fusion = o_.selection.fusion.value_or(HeadFusion::Mean);
    const AttentionMaps fused = fuse_heads(heads, fusion);
    const bool several_heads = heads.heads.size() > 1;
    switch (o_.method) {
      case AttentionMethod::Raw: {
        std::vector<AttentionMaps> groups = {heads};
        if (several_heads) groups.push_back(fused);
        return {o_.selection.fusion ? fused : heads, groups};
      }
      case AttentionMethod::Mask: {
        std::vector<AttentionMaps> groups = {mass_masks(heads, o_.mass)};
        if (several_heads) groups.push_back(mass_masks(fused, o_.mass));
        return {o_.selection.fusion ? groups.back() : groups.front(), groups};
      }
      case AttentionMethod::Rollout: return {*rollout, {heads, fused, *rollout}};
      case AttentionMethod::Relevance:
      case AttentionMethod::Gradcam: break;  // explain() makes these
    }
    return {};
  }

  void plan_npy(std::vector<PlannedFile>& files, const AttentionMaps& maps, const std::string& stem,
                const std::string& image, const cv::Mat& rgb, const Tensor& pixels, const TokenLayout& layout,
                const std::optional<LogitTarget>& target) const {
    SidecarContext context{model_->path, image, fs::path(stem + ".npy").filename().string(), rgb.size(),
                           cv::Size(static_cast<int>(pixels.dim(2)), static_cast<int>(pixels.dim(1))), layout, {}, {}, {}, {}};
    if (o_.method == AttentionMethod::Rollout) context.discard = o_.discard;
    if (o_.method == AttentionMethod::Mask) context.mass = o_.mass;
    if (target) {
      context.target_class = target->class_index;
      if (static_cast<size_t>(target->class_index) < model_->labels.size()) context.target_label = model_->labels[static_cast<size_t>(target->class_index)];
    }
    if (!o_.npy) context.npy.clear();
    if (o_.npy)
      files.push_back({stem + ".npy", [&maps](const std::string& p, bool ow) { write_file_safely(p, npy_bytes(maps.values), ow); }});
    files.push_back({stem + ".json", [&maps, context](const std::string& p, bool ow) {
                       write_file_safely(p, attention_sidecar(maps, context), ow);
                     }});
  }

  void plan_grid(std::vector<PlannedFile>& files, const std::vector<AttentionMaps>& groups, int query,
                 const std::string& path, const cv::Mat& rgb, const PreprocessConfig& preprocess) const {
    const GridStyle style{o_.colormap, o_.shared_range, o_.upsampling, o_.opacity, o_.blend, o_.cell_size};
    files.push_back({path, [&groups, query, &rgb, &preprocess, style](const std::string& p, bool ow) {
                       write_png_safely(p, attention_grid(groups, query, rgb, preprocess, style).image, ow);
                     }});
  }

  void plan_maps(std::vector<PlannedFile>& files, const AttentionMaps& maps, int query, const std::string& query_stem,
                 const cv::Mat& rgb, const PreprocessConfig& preprocess) const {
    std::optional<ValueRange> shared;
    for (int l = 0; l < static_cast<int>(maps.layers.size()); ++l)
      for (int h = 0; h < static_cast<int>(maps.heads.size()); ++h) {
        const ValueRange r = value_range(maps.map(l, h, query));
        shared = shared ? merge(*shared, r) : r;
      }
    for (int l = 0; l < static_cast<int>(maps.layers.size()); ++l)
      for (int h = 0; h < static_cast<int>(maps.heads.size()); ++h) {
        const std::string& head = maps.heads[static_cast<size_t>(h)];
        const std::string name = query_stem + "_L" + padded(maps.layers[static_cast<size_t>(l)], model_->config.num_layers - 1) +
                                 "_" + head_tag(head, model_->config.num_heads - 1);
        const cv::Mat map = maps.map(l, h, query);
        const ValueRange range = o_.shared_range ? *shared : value_range(map);
        auto unit = [map, range, &rgb, &preprocess, this] {
          return upsample_to_image(normalise(map, range), rgb.size(), preprocess, o_.upsampling, rgb.size());
        };
        if (o_.overlay)
          files.push_back({name + "_overlay.png", [unit, &rgb, this](const std::string& p, bool ow) {
                             const cv::Mat values = unit();
                             write_png_safely(p, overlay(rgb, colorize(values, o_.colormap), values, o_.opacity, o_.blend), ow);
                           }});
        if (o_.heatmap)
          files.push_back({name + "_heatmap.png", [unit, this](const std::string& p, bool ow) {
                             write_png_safely(p, colorize(unit(), o_.colormap), ow);
                           }});
      }
  }

  AttentionOptions o_;
  InputOptions input_;
  std::shared_ptr<const Model> model_;
  Session session_;
  BatchQueue queue_;
  // The decoded images a batch may hold waiting: 8 twelve-megapixel photos.
  static constexpr size_t kMaxWaitingBytes = size_t{288} << 20;
  std::map<size_t, Image> waiting_;  // queued images by id, until their batch has run
  size_t waiting_bytes_ = 0;
};

// The probe's attention is the pooling head's, not a layer's: it has no layers to pick or
// roll out, and the pooling head exists only in SigLIP.
void check_probe_query(const AttentionOptions& o, const Model& model) {
  if (o.selection.queries.front().kind != QueryToken::Kind::Probe) return;
  if (model.config.pooling != Pooling::Probe)
    throw Error("query token 'probe': the model has no pooling probe (only SigLIP pools with one)");
  if (o.method == AttentionMethod::Rollout)
    throw Error("--method rollout follows tokens through the layers; the probe is no token of the sequence (use --method raw or mask)");
  if (!o.selection.layers.empty())
    throw Error("--layers: the probe's attention comes from the pooling head after the last layer; leave --layers out");
}

// The checks that need the model but no image: layers, heads, and the query token where
// every input has the same grid. They are usage mistakes, reported before any work.
void check_against_model(AttentionOptions& o, const InputOptions& input_options, const Model& model) {
  check_input_options_for(input_options, model);
  if (o.selection.queries.empty()) o.selection.queries = {default_query(model.config)};
  try {
    check_probe_query(o, model);
    if (needs_gradients(o.method) && !model.has_classifier() && !model.has_detector())
      throw Error(model.config.architecture + " has no classifier, so it has no class to explain (use --method raw or rollout)");
    if (!o.class_text.empty()) class_index(model, o.class_text);
    resolve(o.selection, model.config.num_layers, model.config.num_heads);
    const bool probe = o.selection.queries.front().kind == QueryToken::Kind::Probe;
    if (const std::optional<cv::Size> input = fixed_input_size(model, input_options.size); input && !probe)
      resolve_queries(o.selection.queries, token_layout(model.config, input->height, input->width));
  } catch (const Error& e) {
    throw UsageError(model.path + ": " + e.what());
  }
}

}  // namespace

ArgParser attention_arguments() {
  ArgParser parser(kProgram, "attention", "Export attention maps: per-head maps, rollout or DINO masks as PNG and NumPy files.");
  parser.epilog(kNaming);
  add_model_option(parser);
  add_device_option(parser);
  add_attention_options(parser);
  add_recursive_flag(parser);
  add_size_options(parser);
  add_batch_option(parser, "auto; explanations and rollout run one image at a time");
  return parser.positional("IMAGE_OR_FOLDER", "image files, or folders whose images are taken in natural order", true);
}

int run_attention(const ParsedArgs& args) {
  AttentionOptions options = parse_attention_options(args);
  const InputOptions input = input_options(args);
  const std::vector<std::string> images = expand_image_inputs(args.positionals(), args.flag("recursive"));
  const std::map<std::string, std::string> names = output_names(images);
  std::shared_ptr<const Model> model = load_model_option(args);
  check_against_model(options, input, *model);
  std::error_code error;
  fs::create_directories(options.out, error);
  if (error || !fs::is_directory(options.out))
    throw Error(options.out + ": cannot create the output folder" + (error ? ": " + error.message() : ""));
  AttentionCommand command(options, input, model, device_option(args), backend_options(args), batch_option(args, 0));
  std::cout << "model:  " << model->path << "\ndevice: " << describe(command.session().device()) << '\n';

  Progress progress(images.size());
  const auto start = std::chrono::steady_clock::now();
  size_t failures = 0, written = 0;
  // One bad image must not cost the user the maps of the others.
  const auto fail = [&](const std::string& image, const std::string& what) {
    progress.message(std::string(kProgram) + ": " + naming(image, what));
    ++failures;
  };
  const auto count = [&](const std::vector<Finished>& finished) {
    for (const Finished& f : finished) {
      try {
        if (f.error) std::rethrow_exception(f.error);
        written += f.files;
      } catch (const std::exception& e) {
        fail(images[f.id], e.what());
      }
    }
  };
  for (size_t i = 0; i < images.size(); ++i) {
    progress.step(images[i]);
    try {
      count(command.add(i, images[i], names.at(images[i])));
    } catch (const std::exception& e) {
      fail(images[i], e.what());
    }
  }
  count(command.flush());
  progress.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const size_t done = images.size() - failures;
  std::cout << done << " of " << images.size() << " images done in " << fixed(seconds, 2) << " s ("
            << fixed(seconds > 0 ? static_cast<double>(done) / seconds : 0.0, 1) << " images/s), " << written
            << " files written to " << options.out << (failures ? ", " + std::to_string(failures) + " failed" : "") << '\n';
  return failures ? 1 : 0;
}

}  // namespace vitlens::cli
