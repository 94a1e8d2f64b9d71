#pragma once
// Test videos made from the bundled sample scenes, so live-mode tests run on frames the
// bundled detector recognises, without shipping video files.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

namespace vitlens::test {

// The bundled sample scenes (tools/make_demo_samples.py chooses them), in name order.
inline std::vector<std::string> sample_scene_files() {
  const std::filesystem::path folder = std::filesystem::path(VITLENS_SOURCE_DIR) / "resources" / "samples" / "scenes";
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().extension() == ".png") files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// Writes `frames` frames at `fps`: the sample scenes in turn, each for `hold` frames,
// enlarged `scale` times (nearest, so the detector sees the scene's own pixels again).
// FFV1 in .avi: lossless, so the detector sees the scenes' pixels, and every frame a key
// frame, so a truncated copy still decodes up to the cut.
inline void write_scene_video(const std::string& path, int frames, double fps = 10, int scale = 3, int hold = 5) {
  std::vector<cv::Mat> scenes;
  for (const std::string& file : sample_scene_files()) {
    cv::Mat scene = cv::imread(file, cv::IMREAD_COLOR);
    cv::resize(scene, scene, {}, scale, scale, cv::INTER_NEAREST);
    scenes.push_back(scene);
  }
  cv::VideoWriter writer(path, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('F', 'F', 'V', '1'), fps, scenes[0].size());
  if (!writer.isOpened()) throw std::runtime_error("cannot write the test video " + path);
  for (int i = 0; i < frames; ++i) writer.write(scenes[(i / hold) % scenes.size()]);
}

// The first `fraction` of a file's bytes, as a damaged or cut-off download would be.
inline void write_truncated_copy(const std::string& from, const std::string& to, double fraction) {
  std::ifstream in(from, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(to, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() * fraction));
}

inline int count_frames(const std::string& path) {
  cv::VideoCapture capture(path);
  int frames = 0;
  cv::Mat frame;
  while (capture.read(frame)) ++frames;
  return frames;
}

}  // namespace vitlens::test
