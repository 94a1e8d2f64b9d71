#include "vitlens/eval/scene_dataset.hpp"

#include <algorithm>
#include <filesystem>

#include "util/json_file.hpp"
#include "vitlens/util/error.hpp"

namespace vitlens {
namespace {

using json = nlohmann::json;

// nlohmann's const operator[] on an absent key is undefined behaviour (an assertion in debug
// builds; the scene fuzz target found it): look keys up through this.
const json& member(const json& object, const char* key) {
  static const json absent;
  return object.is_object() && object.contains(key) ? object[key] : absent;
}

std::vector<std::string> read_classes(const JsonFile& file) {
  const json& classes = member(file.root(), "classes");
  if (!classes.is_array() || classes.empty()) file.fail("\"classes\" should be a non-empty list of class names");
  std::vector<std::string> names;
  for (const json& name : classes) {
    if (!name.is_string()) file.fail("\"classes\" should hold strings, not " + name.dump());
    names.push_back(name.get<std::string>());
  }
  return names;
}

TruthBox read_object(const JsonFile& file, const json& object, const std::string& where, int num_classes) {
  if (!object.is_object() || !object.contains("label") || !object.contains("box"))
    file.fail(where + ": an object should have a \"label\" and a \"box\", not " + object.dump());
  const json& label = member(object, "label");
  const json& box = member(object, "box");
  if (!label.is_number_integer() || label.get<int64_t>() < 0 || label.get<int64_t>() >= num_classes)
    file.fail(where + ": label " + label.dump() + " is not a class index below " + std::to_string(num_classes));
  if (!box.is_array() || box.size() != 4 || !std::all_of(box.begin(), box.end(), [](const json& v) { return v.is_number(); }))
    file.fail(where + ": \"box\" should be [x0, y0, x1, y1], not " + box.dump());
  TruthBox truth{label.get<int>(), {box[0].get<double>(), box[1].get<double>(), box[2].get<double>(), box[3].get<double>()}};
  if (!(truth.box.x1 > truth.box.x0 && truth.box.y1 > truth.box.y0)) file.fail(where + ": box " + box.dump() + " is empty");
  return truth;
}

SceneDataset::Scene read_scene(const JsonFile& file, const json& entry, size_t index, const std::filesystem::path& folder,
                               int num_classes) {
  const std::string where = "scene " + std::to_string(index);
  if (!entry.is_object() || !entry.contains("file") || !entry["file"].is_string() || !entry.contains("objects") ||
      !entry["objects"].is_array())
    file.fail(where + " should have a \"file\" name and an \"objects\" list");
  SceneDataset::Scene scene{(folder / entry["file"].get<std::string>()).string(), {}};
  for (const json& object : entry["objects"]) scene.objects.push_back(read_object(file, object, where, num_classes));
  return scene;
}

}  // namespace

SceneDataset read_scene_dataset(const std::string& folder) {
  const std::filesystem::path path = std::filesystem::path(folder) / kSceneAnnotationsFile;
  if (!std::filesystem::exists(path)) throw Error(path.string() + ": not found");
  const JsonFile file = JsonFile::read(path.string());
  SceneDataset dataset;
  dataset.folder = folder;
  dataset.classes = read_classes(file);
  const json& scenes = member(file.root(), "scenes");
  if (!scenes.is_array()) file.fail("\"scenes\" should be a list");
  for (size_t i = 0; i < scenes.size(); ++i)
    dataset.scenes.push_back(read_scene(file, scenes[i], i, folder, static_cast<int>(dataset.classes.size())));
  return dataset;
}

}  // namespace vitlens
