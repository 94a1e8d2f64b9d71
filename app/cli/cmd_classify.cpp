#include <algorithm>
#include <chrono>
#include <iostream>

#include "command.hpp"
#include "image_inputs.hpp"
#include "output.hpp"
#include "shared_options.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/preprocess.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::cli {

namespace {

constexpr int kDefaultTopK = 5;

struct Classification {
  std::string image;
  cv::Size input;  // the model input, width x height
  int64_t tokens = 0;
  std::vector<Prediction> top;
  Tensor logits;
  double time_ms = 0;   // forward pass on the device
  double total_ms = 0;  // decoding, pre-processing, forward and read-back
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

Classification classify(Session& session, const std::string& path, const InputOptions& input, int k) {
  auto start = std::chrono::steady_clock::now();
  const cv::Mat rgb = load_image_rgb(path);
  const InputPlan plan = input_plan(session.model(), rgb.size(), input);
  ForwardOutput output = session.run(preprocess(rgb, plan.preprocess));
  std::chrono::duration<double, std::milli> total = std::chrono::steady_clock::now() - start;
  std::vector<Prediction> top = top_k(output.logits, session.model().labels, k);
  return {path, plan.input, plan.tokens, std::move(top), std::move(output.logits), output.time_ms, total.count()};
}

void print_text(const Classification& c) {
  std::cout << '\n' << c.image << "  (" << c.input.height << "x" << c.input.width << ", " << c.tokens << " tokens, "
            << fixed(c.time_ms, 1) << " ms forward, " << fixed(c.total_ms, 1) << " ms total)\n";
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
          {"total_ms", c.total_ms}};
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

  if (!json) std::cout << "model:  " << model->path << "\ndevice: " << describe(session.device()) << '\n';
  Json results = Json::array();
  Json errors = Json::array();
  for (const std::string& path : images) {
    try {
      Classification c = classify(session, path, input, k);
      if (json)
        results.push_back(to_json(c));
      else
        print_text(c);
    } catch (const std::exception& e) {
      // One unreadable image must not cost the user the results of the others.
      std::string message = naming(path, e.what());
      std::cerr << kProgram << ": " << message << '\n';
      errors.push_back({{"image", path}, {"error", message}});
    }
  }
  if (json)
    print_json(std::cout, Json{{"model", model->path},
                               {"device", session.device().name},
                               {"device_id", session.device().id()},
                               {"results", results},
                               {"errors", errors}});
  size_t failures = errors.size();
  if (failures)
    std::cerr << kProgram << ": " << failures << " of " << images.size()
              << " images could not be classified\n";
  return failures ? 1 : 0;
}

}  // namespace vitlens::cli
