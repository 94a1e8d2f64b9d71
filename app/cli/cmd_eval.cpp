#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>

#include "command.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "shared_options.hpp"
#include "vitlens/backend/batch_queue.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/detection/postprocess.hpp"
#include "vitlens/eval/confusion_matrix.hpp"
#include "vitlens/eval/detection_metrics.hpp"
#include "vitlens/eval/fashion_mnist.hpp"
#include "vitlens/eval/scene_dataset.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/input_size.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens::cli {

namespace {

const std::string kFashionMnist = "fashion-mnist";
const std::string kFashionScenes = "fashion-scenes";
constexpr const char* kScenesCommand = "/usr/bin/python3 tools/fashion_scenes.py --split test --count 1000 --out ";

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The held-out scenes live in the user's cache unless --data says otherwise: they are
// generated once from the test split and are not part of the source tree.
std::string default_scenes_folder() {
  const char* cache = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const std::filesystem::path base = cache && *cache ? cache : std::filesystem::path(home ? home : ".") / ".cache";
  return (base / "vitlens" / "fashion-scenes-test").string();
}

std::string percent(double fraction) { return fixed(100.0 * fraction, 2) + "%"; }

int argmax(const Tensor& logits) {
  return static_cast<int>(std::max_element(logits.data.begin(), logits.data.end()) - logits.data.begin());
}

void require_classes(const Model& model, int model_classes, const std::vector<std::string>& dataset_classes,
                     const std::string& dataset) {
  if (model_classes != static_cast<int>(dataset_classes.size()))
    throw Error(model.path + ": the model has " + std::to_string(model_classes) + " classes but " + dataset + " has " +
                std::to_string(dataset_classes.size()));
}

// ---- fashion-mnist: top-1 accuracy and confusion matrix --------------------------------

struct ClassifierEval {
  ConfusionMatrix matrix;
  std::vector<int> predictions;
  double seconds = 0;
};

// A dataset's results in image order; the first failure ends the evaluation.
void take(std::vector<BatchQueue::Result> done, const std::function<void(size_t, const ForwardOutput&)>& use) {
  for (const BatchQueue::Result& r : done) {
    if (r.error) std::rethrow_exception(r.error);
    use(r.id, r.output);
  }
}

ClassifierEval evaluate_classifier(Session& session, const IdxImages& test, int count, const InputOptions& input, int batch) {
  ClassifierEval eval{ConfusionMatrix(static_cast<int>(fashion_mnist_classes().size())), {}, 0};
  Progress progress(static_cast<size_t>(count));
  BatchQueue queue(session, batch);
  const auto add = [&](size_t i, const ForwardOutput& output) {
    const int predicted = argmax(output.logits);
    eval.predictions.push_back(predicted);
    eval.matrix.add(test.labels[i], predicted);
  };
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    progress.step("test image " + std::to_string(i));
    take(queue.push(static_cast<size_t>(i), model_input(session.model(), to_rgb(test.image(i)), input), AttentionRequest::heads_only()), add);
  }
  take(queue.flush(), add);
  progress.finish();
  eval.seconds = seconds_since(start);
  return eval;
}

void print_confusion(const ConfusionMatrix& m, const std::vector<std::string>& classes) {
  std::vector<Table::Column> columns{{"TRUE \\ PREDICTED", Table::Align::Left}};
  for (int p = 0; p < m.num_classes(); ++p) columns.push_back({std::to_string(p), Table::Align::Right});
  columns.push_back({"RECALL", Table::Align::Right});
  Table table(columns);
  for (int t = 0; t < m.num_classes(); ++t) {
    std::vector<std::string> row{std::to_string(t) + " " + classes[static_cast<size_t>(t)]};
    for (int p = 0; p < m.num_classes(); ++p) row.push_back(std::to_string(m.count(t, p)));
    row.push_back(m.class_total(t) ? percent(m.recall(t)) : "-");
    table.add_row(row);
  }
  table.print(std::cout, "  ");
}

Json confusion_json(const ConfusionMatrix& m) {
  Json rows = Json::array();
  for (int t = 0; t < m.num_classes(); ++t) {
    Json row = Json::array();
    for (int p = 0; p < m.num_classes(); ++p) row.push_back(m.count(t, p));
    rows.push_back(row);
  }
  return rows;
}

Json run_fashion_mnist(Session& session, const std::string& folder, int limit, const InputOptions& input, int batch, bool json) {
  const Model& model = session.model();
  if (!model.has_classifier())
    throw Error(model.path + ": " + model.config.architecture + " is not an image classifier; --dataset " + kFashionMnist +
                " needs one (a detector goes with --dataset " + kFashionScenes + ")");
  const std::vector<std::string>& classes = fashion_mnist_classes();
  require_classes(model, model.config.num_classes, classes, "Fashion-MNIST");
  const IdxImages test = load_fashion_mnist(FashionMnistSplit::Test, folder);
  const int count = limit > 0 ? std::min(limit, test.count()) : test.count();
  if (!json) std::cout << "dataset: Fashion-MNIST test split, " << count << " of " << test.count() << " images (" << folder << ")\n";

  const ClassifierEval eval = evaluate_classifier(session, test, count, input, batch);
  const ConfusionMatrix& m = eval.matrix;
  if (!json) {
    std::cout << "\ntop-1 accuracy: " << percent(m.accuracy()) << " (" << m.correct() << " / " << m.total() << ")  in "
              << fixed(eval.seconds, 1) << " s (" << fixed(count / eval.seconds, 1) << " images/s)\n\n"
              << "confusion matrix (rows: true class, columns: predicted class):\n";
    print_confusion(m, classes);
  }
  return {{"dataset", kFashionMnist}, {"data", folder}, {"images", count}, {"top1", m.accuracy()},
          {"correct", m.correct()},   {"classes", classes}, {"confusion_matrix", confusion_json(m)},
          {"seconds", eval.seconds},  {"images_per_second", count / eval.seconds}, {"predictions", eval.predictions}};
}

// ---- fashion-scenes: COCO mAP ------------------------------------------------------------

std::vector<ScoredBox> scored_boxes(const std::vector<Detection>& detections) {
  std::vector<ScoredBox> boxes;
  for (const Detection& d : detections)
    boxes.push_back({d.label_id, d.score, {d.box.x, d.box.y, d.box.x + d.box.width, d.box.y + d.box.height}});
  return boxes;
}

SceneDataset read_scenes(const std::string& folder) {
  if (!std::filesystem::exists(std::filesystem::path(folder) / kSceneAnnotationsFile))
    throw Error(folder + ": no held-out scenes there (" + kSceneAnnotationsFile +
                " is missing); write them once from the Fashion-MNIST test split with\n  " + kScenesCommand + folder);
  return read_scene_dataset(folder);
}

Json run_fashion_scenes(Session& session, const std::string& folder, int limit, const InputOptions& input, int batch, bool json) {
  const Model& model = session.model();
  if (!model.has_detector())
    throw Error(model.path + ": " + model.config.architecture + " is not an object detector; --dataset " + kFashionScenes +
                " needs a YOLOS model (a classifier goes with --dataset " + kFashionMnist + ")");
  const SceneDataset scenes = read_scenes(folder);
  require_classes(model, static_cast<int>(model.labels.size()), scenes.classes, folder);
  const int count = limit > 0 ? std::min<int>(limit, static_cast<int>(scenes.scenes.size())) : static_cast<int>(scenes.scenes.size());
  if (!json) std::cout << "dataset: " << count << " of " << scenes.scenes.size() << " held-out scenes (" << folder << ")\n";

  DetectionEvaluator evaluator(static_cast<int>(scenes.classes.size()));
  DetectionOptions keep_all;
  keep_all.threshold = 0.0f;  // COCO ranks every detection; a threshold would cut the curve short
  Progress progress(static_cast<size_t>(count));
  BatchQueue queue(session, batch);
  std::vector<cv::Size> image_sizes(static_cast<size_t>(count));
  const auto add = [&](size_t i, const ForwardOutput& output) {
    evaluator.add_image(scenes.scenes[i].objects, scored_boxes(detect_objects(output, model.labels, image_sizes[i], keep_all)));
  };
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    const SceneDataset::Scene& scene = scenes.scenes[static_cast<size_t>(i)];
    progress.step(scene.image);
    const cv::Mat rgb = load_image_rgb(scene.image);
    image_sizes[static_cast<size_t>(i)] = rgb.size();
    take(queue.push(static_cast<size_t>(i), model_input(model, rgb, input), AttentionRequest::heads_only()), add);
  }
  take(queue.flush(), add);
  progress.finish();
  const double seconds = seconds_since(start);
  const DetectionSummary s = evaluator.summary();

  Json per_class = Json::array();
  Table table({{"CLASS", Table::Align::Left}, {"OBJECTS", Table::Align::Right}, {"AP@0.5", Table::Align::Right},
               {"AP@0.5:0.95", Table::Align::Right}});
  for (size_t c = 0; c < scenes.classes.size(); ++c) {
    const bool present = s.class_objects[c] > 0;
    per_class.push_back({{"class", scenes.classes[c]}, {"objects", s.class_objects[c]},
                         {"ap50", present ? Json(s.ap50[c]) : Json()}, {"ap50_95", present ? Json(s.ap50_95[c]) : Json()}});
    table.add_row({scenes.classes[c], std::to_string(s.class_objects[c]), present ? fixed(s.ap50[c], 3) : "-",
                   present ? fixed(s.ap50_95[c], 3) : "-"});
  }
  if (!json) {
    std::cout << "\nmAP@0.5:      " << fixed(s.map50, 4) << "\nmAP@0.5:0.95: " << fixed(s.map50_95, 4) << "\n(" << s.objects
              << " objects, " << s.detections << " detections, COCO 101-point AP; " << fixed(seconds, 1) << " s, "
              << fixed(count / seconds, 1) << " scenes/s)\n\n";
    table.print(std::cout, "  ");
  }
  return {{"dataset", kFashionScenes}, {"data", folder}, {"scenes", count}, {"objects", s.objects},
          {"detections", s.detections}, {"map50", s.map50}, {"map50_95", s.map50_95}, {"per_class", per_class},
          {"seconds", seconds}, {"images_per_second", count / seconds}};
}

}  // namespace

ArgParser eval_arguments() {
  ArgParser parser(kProgram, "eval", "Measure a model on a dataset: Fashion-MNIST accuracy or scene detection mAP.");
  add_model_option(parser);
  parser.option("dataset", "NAME",
                "'" + kFashionMnist + "' (top-1 and confusion matrix on the 10,000 test images) or '" + kFashionScenes +
                    "' (COCO mAP on the held-out scenes)",
                true);
  parser.option("data", "DIR",
                "dataset folder; default " + std::string(kFashionMnistDir) + " for " + kFashionMnist + ", " +
                    default_scenes_folder() + " for " + kFashionScenes);
  parser.option("limit", "N", "evaluate only the first N images or scenes");
  add_device_option(parser);
  add_size_options(parser, "S x S; for detectors the shortest image edge");
  add_batch_option(parser, "auto");
  return add_json_flag(parser);
}

int run_eval(const ParsedArgs& args) {
  const std::string dataset = args.value("dataset");
  if (dataset != kFashionMnist && dataset != kFashionScenes)
    throw UsageError("--dataset '" + dataset + "' is not known; use '" + kFashionMnist + "' or '" + kFashionScenes + "'");
  const int limit = args.integer("limit", 0, 1, 1'000'000'000);
  const bool json = args.flag("json");
  const bool mnist = dataset == kFashionMnist;
  const std::string folder = args.value("data", mnist ? std::string(kFashionMnistDir) : default_scenes_folder());

  const InputOptions input = input_options(args);
  std::shared_ptr<const Model> model = load_model_option(args);
  check_input_options_for(input, *model);
  Session session(model, device_option(args), backend_options(args));
  if (!json) std::cout << "model:   " << model->path << "\ndevice:  " << describe(session.device()) << '\n';
  const int batch = batch_option(args, 0);
  Json result = mnist ? run_fashion_mnist(session, folder, limit, input, batch, json)
                      : run_fashion_scenes(session, folder, limit, input, batch, json);
  if (json) {
    Json document{{"model", model->path}, {"device", session.device().name}, {"device_id", session.device().id()}};
    document.update(result);
    print_json(std::cout, document);
  }
  return 0;
}

}  // namespace vitlens::cli
