#include <chrono>
#include <filesystem>
#include <iostream>

#include "command.hpp"
#include "image_inputs.hpp"
#include "output.hpp"
#include "shared_options.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/detection/overlay.hpp"
#include "vitlens/detection/postprocess.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/preprocess.hpp"
#include "vitlens/util/error.hpp"
#include "vitlens/util/safe_file.hpp"

namespace vitlens::cli {

namespace {

namespace fs = std::filesystem;

constexpr float kDefaultThreshold = 0.5f;  // transformers' object-detection pipeline

struct ImageDetections {
  std::string image;
  cv::Size size;
  std::vector<Detection> detections;
  double time_ms = 0;
};

void require_detector(const Model& model) {
  if (!model.has_detector())
    throw Error(model.path + ": " + model.config.architecture +
                " has no detection heads, so it cannot detect objects (supported: YolosForObjectDetection, e.g. "
                "hustvl/yolos-tiny); use 'vitlens-cli classify' for an image classifier");
}

std::string annotation_path(const std::string& folder, const std::string& image) {
  return (fs::path(folder) / (fs::path(image).stem().string() + "_detections.png")).string();
}

ImageDetections detect(Session& session, const InputOptions& input, const std::string& path,
                       const DetectionOptions& options, const std::string& annotate, bool overwrite) {
  const cv::Mat rgb = load_image_rgb(path);
  const InputPlan plan = input_plan(session.model(), rgb.size(), input);
  const ForwardOutput output = session.run(preprocess(rgb, plan.preprocess), AttentionRequest::heads_only());
  ImageDetections result{path, rgb.size(), detect_objects(output, session.model().labels, rgb.size(), options), output.time_ms};
  if (!annotate.empty()) write_png_safely(annotation_path(annotate, path), draw_detections(rgb, result.detections), overwrite);
  return result;
}

Json box_json(const cv::Rect2f& box) {
  return Json::array({shortest(box.x), shortest(box.y), shortest(box.x + box.width), shortest(box.y + box.height)});
}

Json to_json(const ImageDetections& r) {
  Json detections = Json::array();
  for (const Detection& d : r.detections)
    detections.push_back({{"token", d.token}, {"label_id", d.label_id}, {"label", d.label}, {"score", shortest(d.score)},
                          {"box", box_json(d.box)}});
  return {{"image", r.image}, {"width", r.size.width}, {"height", r.size.height}, {"detections", detections},
          {"time_ms", r.time_ms}};
}

void print_text(const ImageDetections& r) {
  std::cout << '\n' << r.image << "  (" << r.size.width << "x" << r.size.height << ", " << r.detections.size()
            << " detections, " << fixed(r.time_ms, 1) << " ms forward)\n";
  if (r.detections.empty()) return;
  Table table({{"TOKEN", Table::Align::Right},
               {"SCORE", Table::Align::Right},
               {"ID", Table::Align::Right},
               {"LABEL", Table::Align::Left},
               {"BOX (x0, y0, x1, y1)", Table::Align::Left}});
  for (const Detection& d : r.detections)
    table.add_row({std::to_string(d.token), fixed(d.score, 3), std::to_string(d.label_id), d.label,
                   fixed(d.box.x, 1) + ", " + fixed(d.box.y, 1) + ", " + fixed(d.box.x + d.box.width, 1) + ", " +
                       fixed(d.box.y + d.box.height, 1)});
  table.print(std::cout, "  ");
}

}  // namespace

ArgParser detect_arguments() {
  ArgParser parser(kProgram, "detect", "Detect objects with a YOLOS model: class, score and box per detection token.");
  add_model_option(parser);
  add_device_option(parser);
  parser.option("threshold", "T", "keep detections scoring above T, 0 to 1 (default 0.5 as transformers' pipeline; 0 lists every detection token)");
  add_size_options(parser, "the shortest image edge, the longest capped as the model's setting; smaller is faster");
  parser.option("nms", "IOU", "per-class non-maximum suppression: drop a box overlapping a better one of its class by more than IOU (off by default, like the reference)");
  add_json_flag(parser);
  parser.option("annotate", "OUT_DIR", "write each image with its detections drawn to OUT_DIR/<name>_detections.png");
  parser.flag("overwrite", "replace existing annotated images (refused otherwise)");
  add_recursive_flag(parser);
  parser.positional("IMAGE_OR_FOLDER", "image files (JPEG, PNG, BMP, TIFF, WebP, ...), or folders whose images are taken in natural order", true);
  return parser.epilog("Boxes are in pixels of the original image: x0, y0 top left, x1, y1 bottom right.");
}

int run_detect(const ParsedArgs& args) {
  DetectionOptions options;
  options.threshold = static_cast<float>(args.number("threshold", kDefaultThreshold, 0, 1));
  options.nms_iou = static_cast<float>(args.number("nms", 0, 0, 1));
  const InputOptions input = input_options(args);
  const bool json = args.flag("json");
  const std::string annotate = args.value("annotate");
  const std::vector<std::string> images = expand_image_inputs(args.positionals(), args.flag("recursive"));
  std::shared_ptr<const Model> model = load_model_option(args);
  require_detector(*model);
  check_input_options_for(input, *model);
  if (!annotate.empty()) fs::create_directories(annotate);
  Session session(model, device_option(args), backend_options(args));

  if (!json) std::cout << "model:  " << model->path << "\ndevice: " << describe(session.device()) << '\n';
  Json results = Json::array();
  Json errors = Json::array();
  for (const std::string& path : images) {
    try {
      const ImageDetections r = detect(session, input, path, options, annotate, args.flag("overwrite"));
      if (json)
        results.push_back(to_json(r));
      else
        print_text(r);
    } catch (const std::exception& e) {
      // One unreadable image must not cost the user the results of the others.
      const std::string message = naming(path, e.what());
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
  const size_t failures = errors.size();
  if (failures) std::cerr << kProgram << ": " << failures << " of " << images.size() << " images failed\n";
  return failures ? 1 : 0;
}

}  // namespace vitlens::cli
