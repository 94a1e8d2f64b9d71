#pragma once
#include <string>
#include <vector>

#include "vitlens/eval/detection_metrics.hpp"

namespace vitlens {

// A folder of detection scenes with their ground truth, as tools/fashion_scenes.py writes
// it: image files plus annotations.json {"classes": [...], "scenes": [{"file", "objects":
// [{"label", "box": [x0, y0, x1, y1]}]}]}, boxes in pixels with x1, y1 exclusive.
struct SceneDataset {
  struct Scene {
    std::string image;  // full path of the image file
    std::vector<TruthBox> objects;
  };
  std::string folder;
  std::vector<std::string> classes;
  std::vector<Scene> scenes;
};

inline constexpr const char* kSceneAnnotationsFile = "annotations.json";

// Throws vitlens::Error naming annotations.json and the problem (missing, not JSON, a label
// outside the class list, a malformed box). Image files are not opened here.
SceneDataset read_scene_dataset(const std::string& folder);

}  // namespace vitlens
