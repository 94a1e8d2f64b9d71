#include <algorithm>
#include <chrono>
#include <iostream>

#include "command.hpp"
#include "image_inputs.hpp"
#include "output.hpp"
#include "shared_options.hpp"
#include "vitlens/backend/batch_queue.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/preprocess.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::cli {

namespace {

constexpr int kDefaultTopK = 5;

using Clock = std::chrono::steady_clock;

// An image decoded and pre-processed, waiting for its batch's forward pass.
struct Pending {
  std::string image;
  InputPlan plan;
  Clock::time_point start;
};

struct Classification {
  std::string image;
  cv::Size input;  // the model input, width x height
  int64_t tokens = 0;
  std::vector<Prediction> top;
  Tensor logits;
  double time_ms = 0;   // the image's share of its batch's forward pass on the device
  double total_ms = 0;  // decoding, pre-processing, waiting for its batch, forward and read-back
  int batch = 1;        // images in its forward pass
};

void require_classifier(const Model& model) {
  if (model.has_detector())
    throw Error(model.path + ": " + model.config.architecture +
                " is an object detector: its classes belong to boxes, not to the whole image, so it cannot "
                "classify; use 'vitlens-cli detect' to list what it finds and where");
  if (!model.has_classifier())
    throw Error(model.path + ": " + model.config.architecture +
                " has no classification head (an encoder only, such as ViTModel, DINO, DINOv2 or a CLIP or SigLIP image tower), so it cannot "
                "classify; use 'vitlens-cli attention' to see what it attends to or 'vitlens-cli info' to "
                "describe it");
}

Classification classification(const Model& model, const Pending& p, ForwardOutput& output, int batch, int k) {
  const std::chrono::duration<double, std::milli> total = Clock::now() - p.start;
  std::vector<Prediction> top = top_k(output.logits, model.labels, k);
  return {p.image, p.plan.input, p.plan.tokens, std::move(top), std::move(output.logits), output.time_ms, total.count(), batch};
}

void print_text(const Classification& c) {
  std::cout << '\n' << c.image << "  (" << c.input.height << "x" << c.input.width << ", " << c.tokens << " tokens, "
            << fixed(c.time_ms, 1) << " ms forward" << (c.batch > 1 ? " as 1 of " + std::to_string(c.batch) : "") << ", "
            << fixed(c.total_ms, 1) << " ms total)\n";
  Table table({{"#", Table::Align::Right},
               {"PROBABILITY", Table::Align::Right},
               {"INDEX", Table::Align::Right},
               {"LABEL", Table::Align::Left}});
  for (size_t i = 0; i < c.top.size(); ++i)
    table.add_row({std::to_string(i + 1), fixed(c.top[i].probability, 4), std::to_string(c.top[i].index),
                   c.top[i].label});
  table.print(std::cout, "  ");
}

Json to_json(const Classification& c) {
  Json top = Json::array();
  for (const Prediction& p : c.top)
    top.push_back({{"index", p.index}, {"label", p.label}, {"probability", shortest(p.probability)}});
  return {{"image", c.image},
          {"input_size", {c.input.height, c.input.width}},
          {"tokens", c.tokens},
          {"top", top},
          {"logits", shortest(c.logits.data)},
          {"time_ms", c.time_ms},
          {"total_ms", c.total_ms},
          {"batch", c.batch}};
}

}  // namespace

ArgParser classify_arguments() {
  ArgParser parser(kProgram, "classify", "Classify images: the most probable classes of each.");
  add_model_option(parser);
  add_device_option(parser);
  parser.option("topk", "K", "how many classes to report per image (default " + std::to_string(kDefaultTopK) + ")");
  add_size_options(parser);
  add_json_flag(parser);
  add_recursive_flag(parser);
  add_batch_option(parser, "auto");
  return parser.positional("IMAGE_OR_FOLDER", "image files (JPEG, PNG, BMP, TIFF, WebP, ...), or folders whose images are taken in natural order", true);
}

int run_classify(const ParsedArgs& args) {
  int k = args.integer("topk", kDefaultTopK, 1, 1'000'000);
  bool json = args.flag("json");
  const std::vector<std::string> images = expand_image_inputs(args.positionals(), args.flag("recursive"));
  const InputOptions input = input_options(args);
  std::shared_ptr<const Model> model = load_model_option(args);
  require_classifier(*model);
  check_input_options_for(input, *model);
  k = std::min(k, model->config.num_classes);
  Session session(model, device_option(args), backend_options(args));
  BatchQueue queue(session, batch_option(args, 0));

  if (!json) std::cout << "model:  " << model->path << "\ndevice: " << describe(session.device()) << '\n';
  Json results = Json::array();
  Json errors = Json::array();
  // One unreadable image must not cost the user the results of the others.
  const auto fail = [&](const std::string& path, const std::string& what) {
    const std::string message = naming(path, what);
    std::cerr << kProgram << ": " << message << '\n';
    errors.push_back({{"image", path}, {"error", message}});
  };
  std::vector<Pending> pending(images.size());
  size_t classified = 0;
  const auto report = [&](std::vector<BatchQueue::Result> done) {
    for (BatchQueue::Result& r : done) {
      try {
        if (r.error) std::rethrow_exception(r.error);
        Classification c = classification(*model, pending[r.id], r.output, r.batch, k);
        ++classified;
        if (json)
          results.push_back(to_json(c));
        else
          print_text(c);
      } catch (const std::exception& e) {
        fail(pending[r.id].image, e.what());
      }
    }
  };
  const auto start = Clock::now();
  for (size_t i = 0; i < images.size(); ++i) {
    Tensor pixels;
    try {
      pending[i].image = images[i];
      pending[i].start = Clock::now();
      const cv::Mat rgb = load_image_rgb(images[i]);
      pending[i].plan = input_plan(*model, rgb.size(), input);
      pixels = preprocess(rgb, pending[i].plan.preprocess);
    } catch (const std::exception& e) {
      fail(images[i], e.what());
      continue;
    }
    report(queue.push(i, std::move(pixels), AttentionRequest::heads_only()));
  }
  report(queue.flush());
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double per_second = seconds > 0 ? static_cast<double>(classified) / seconds : 0.0;
  if (json)
    print_json(std::cout, Json{{"model", model->path},
                               {"device", session.device().name},
                               {"device_id", session.device().id()},
                               {"results", results},
                               {"errors", errors},
                               {"seconds", seconds},
                               {"images_per_second", per_second}});
  else if (images.size() > 1)
    std::cout << '\n' << classified << " images classified in " << fixed(seconds, 2) << " s ("
              << fixed(per_second, 1) << " images/s)\n";
  size_t failures = errors.size();
  if (failures)
    std::cerr << kProgram << ": " << failures << " of " << images.size()
              << " images could not be classified\n";
  return failures ? 1 : 0;
}

}  // namespace vitlens::cli
