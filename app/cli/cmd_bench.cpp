#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <numeric>
#include <optional>
#include <random>

#include "command.hpp"
#include "output.hpp"
#include "shared_options.hpp"
#include "vitlens/analysis/relevance.hpp"
#include "vitlens/backend/session.hpp"

namespace vitlens::cli {

namespace {

constexpr int kDefaultRuns = 20;
constexpr int kDefaultWarmup = 3;

struct Size {
  int height = 0;
  int width = 0;
};

struct Stats {
  double mean = 0;
  double median = 0;
  double min = 0;
  double p90 = 0;
};

// The input --size names, without an image to take a size from.
Size input_size(const InputOptions& options, const Model& model) {
  if (options.size.kind == InputSize::Kind::ModelDefault) return {model.config.image_height, model.config.image_width};
  check_input_options_for(options, model);
  const std::optional<cv::Size> input = fixed_input_size(model, options.size);
  if (!input) throw UsageError("--size " + options.size.to_string() + ": bench runs a synthetic input, which has no "
                               "size of its own; give S or HxW");
  return {input->height, input->width};
}

// Normalised pixels are roughly standard normal; a fixed seed makes runs comparable.
Tensor synthetic_input(const Size& size, unsigned seed) {
  std::mt19937 generator(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Tensor pixels({3, size.height, size.width});
  for (float& v : pixels.data) v = normal(generator);
  return pixels;
}

// Milliseconds per image of one pass over `images` (a batch when there are several).
double timed_run(Session& session, const std::vector<Tensor>& images, const AttentionRequest& request,
                 ForwardOutput* output = nullptr) {
  auto start = std::chrono::steady_clock::now();
  std::vector<ForwardOutput> out = session.run_batch(images, request);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (output) *output = std::move(out.front());
  return ms / static_cast<double>(images.size());
}


// One top-class relevance map: the forward pass, the backward pass and the rollout of
// (dA * A)^+ that make it (what `attention --method relevance` costs per image).
double timed_relevance(Session& session, const Tensor& pixels) {
  const Model& model = session.model();
  auto start = std::chrono::steady_clock::now();
  const QueryToken query = model.has_detector() ? QueryToken{QueryToken::Kind::Det, 0, 0} : QueryToken{};
  const Explanation e = session.explain(pixels, explanation_target(model, query, ""));
  relevance_maps(e, token_layout(model.config, static_cast<int>(pixels.dim(1)), static_cast<int>(pixels.dim(2))), query);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// p90 is nearest-rank, so it is a time that was actually measured.
Stats statistics(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto rank = [&](double q) { return ms[static_cast<size_t>(std::ceil(q * ms.size())) - 1]; };
  double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / ms.size();
  double median = ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
  return {mean, median, ms.front(), rank(0.9)};
}

void print_text(const Model& model, const DeviceInfo& device, const Size& size, int batch, int runs, int warmup,
                double first_ms, const Stats& s) {
  std::cout << "model:  " << model.path << "\ndevice: " << describe(device) << "\ninput:  " << size.height << "x"
            << size.width << (batch > 1 ? ", " + std::to_string(batch) + " images per pass" : std::string()) << ", " << runs
            << " runs after " << warmup << " warm-up runs\n\n";
  Table table({{"", Table::Align::Left}, {"ms/image", Table::Align::Right}});
  table.add_row({"first run (includes one-time set-up)", fixed(first_ms, 2)});
  table.add_row({"mean", fixed(s.mean, 2)});
  table.add_row({"median", fixed(s.median, 2)});
  table.add_row({"min", fixed(s.min, 2)});
  table.add_row({"p90", fixed(s.p90, 2)});
  table.print(std::cout);
  std::cout << "\n" << fixed(1000.0 / s.mean, 2) << " images/s\n";
}

void print_profile(const std::vector<std::pair<std::string, double>>& ops) {
  double total = 0;
  for (const auto& op : ops) total += op.second;
  std::cout << "\ndevice time by kernel (last run):\n";
  Table table({{"KERNEL", Table::Align::Left}, {"ms", Table::Align::Right}, {"%", Table::Align::Right}});
  for (const auto& [name, ms] : ops) table.add_row({name, fixed(ms, 2), fixed(100.0 * ms / total, 1)});
  table.print(std::cout, "  ");
}

Json profile_json(const std::vector<std::pair<std::string, double>>& ops) {
  Json out = Json::array();
  for (const auto& [name, ms] : ops) out.push_back({{"kernel", name}, {"ms", ms}});
  return out;
}

}  // namespace

ArgParser bench_arguments() {
  ArgParser parser(kProgram, "bench", "Time the forward pass on a synthetic pre-processed image.");
  add_model_option(parser);
  add_device_option(parser);
  add_size_options(parser, "S x S", false);
  add_batch_option(parser, "1; each image of a batch is its own synthetic input, and times are per image");
  parser.option("runs", "N", "timed runs (default " + std::to_string(kDefaultRuns) + ")")
      .option("warmup", "W", "untimed runs after the first (default " + std::to_string(kDefaultWarmup) + ")")
      .option("seed", "N", "seed of the random input (default 0)")
      .flag("hidden-state", "also return every token's last hidden state (as 'features' and the app's maps do); without "
                            "it the cpu device runs the last layer only on the tokens the heads read")
      .flag("profile", "also report the Vulkan device time of each kernel (timestamps add a little overhead)")
      .flag("relevance", "also time one top-class relevance map per run (forward + backward pass) and its ratio to the forward pass");
  return add_json_flag(parser);
}

int run_bench(const ParsedArgs& args) {
  int runs = args.integer("runs", kDefaultRuns, 1, 1'000'000);
  int warmup = args.integer("warmup", kDefaultWarmup, 0, 1'000'000);
  unsigned seed = static_cast<unsigned>(args.integer("seed", 0, 0, std::numeric_limits<int>::max()));
  const InputOptions input = input_options(args);
  std::shared_ptr<const Model> model = load_model_option(args);
  Size size = input_size(input, *model);
  const bool profile = args.flag("profile");
  BackendOptions options = backend_options(args);
  options.profile = profile;
  Session session(model, device_option(args), options);
  const int requested = batch_option(args, 1);
  const int batch = requested ? requested : session.preferred_batch(size.height, size.width);
  std::vector<Tensor> images;
  for (int i = 0; i < batch; ++i) images.push_back(synthetic_input(size, seed + static_cast<unsigned>(i)));
  const Tensor& pixels = images.front();

  // By default what classify and detect ask for, the heads' outputs; with --hidden-state
  // also every token's last hidden state, as features and the app's maps need.
  AttentionRequest request = AttentionRequest::heads_only();
  request.hidden_state = args.flag("hidden-state");
  double first_ms = timed_run(session, images, request);
  for (int i = 0; i < warmup; ++i) timed_run(session, images, request);
  const bool with_relevance = args.flag("relevance");
  if (with_relevance) {
    if (!model->has_classifier() && !model->has_detector()) throw UsageError("--relevance: " + model->path + " has no class to explain");
    timed_relevance(session, pixels);  // warm-up: the backward pass's weights and graph are made on first use
  }
  // Forward passes and relevance maps alternate, so load from other work on a shared machine
  // falls on both and their ratio stays comparable.
  std::vector<double> ms, relevance_ms;
  ForwardOutput last;
  for (int i = 0; i < runs; ++i) {
    ms.push_back(timed_run(session, images, request, &last));
    if (with_relevance) relevance_ms.push_back(timed_relevance(session, pixels));
  }
  Stats s = statistics(ms);
  std::optional<Stats> relevance;
  if (with_relevance) relevance = statistics(relevance_ms);

  if (!args.flag("json")) {
    print_text(*model, session.device(), size, batch, runs, warmup, first_ms, s);
    if (relevance)
      std::cout << "relevance (forward + backward): " << fixed(relevance->mean, 2) << " ms/image mean, " << fixed(relevance->mean / s.mean, 2)
                << "x the forward pass (medians: " << fixed(relevance->median, 2) << " ms, " << fixed(relevance->median / s.median, 2) << "x)\n";
    if (profile) print_profile(last.op_times_ms);
    return 0;
  }
  print_json(std::cout, Json{{"model", model->path},
                             {"device", session.device().name},
                             {"device_id", session.device().id()},
                             {"size", {size.height, size.width}},
                             {"batch", batch},
                             {"runs", runs},
                             {"warmup", warmup},
                             {"first_ms", first_ms},
                             {"mean_ms", s.mean},
                             {"median_ms", s.median},
                             {"min_ms", s.min},
                             {"p90_ms", s.p90},
                             {"images_per_s", 1000.0 / s.mean},
                             {"profile", profile_json(last.op_times_ms)},
                             {"relevance_mean_ms", relevance ? Json(relevance->mean) : Json()},
                             {"relevance_ratio", relevance ? Json(relevance->mean / s.mean) : Json()},
                             {"relevance_median_ms", relevance ? Json(relevance->median) : Json()},
                             {"relevance_median_ratio", relevance ? Json(relevance->median / s.median) : Json()}});
  return 0;
}

}  // namespace vitlens::cli
