// Writes the video the live benchmark plays: 640x480 at 30 fps, the bundled sample scenes
// (each for two seconds) enlarged to the frame height and sliding slowly across it, so the
// detector has real items to find and every frame differs.
//
//   vitlens-bench-video OUT.avi [SECONDS]
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: vitlens-bench-video OUT.avi [SECONDS]\n";
    return 2;
  }
  const double seconds = argc > 2 ? std::atof(argv[2]) : 20.0;
  constexpr int kWidth = 640, kHeight = 480, kFps = 30, kHoldFrames = 2 * kFps;
  std::vector<cv::Mat> scenes;
  for (const auto& entry : fs::directory_iterator(fs::path(VITLENS_SOURCE_DIR) / "resources" / "samples" / "scenes"))
    if (entry.path().extension() == ".png") {
      cv::Mat scene = cv::imread(entry.path().string(), cv::IMREAD_COLOR);
      cv::resize(scene, scene, {kHeight, kHeight}, 0, 0, cv::INTER_LINEAR);
      scenes.push_back(scene);
    }
  if (scenes.empty()) {
    std::cerr << "vitlens-bench-video: no sample scenes in resources/samples/scenes\n";
    return 1;
  }
  cv::VideoWriter writer(argv[1], cv::CAP_FFMPEG, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), kFps, {kWidth, kHeight});
  if (!writer.isOpened()) {
    std::cerr << "vitlens-bench-video: cannot write " << argv[1] << '\n';
    return 1;
  }
  const int frames = static_cast<int>(seconds * kFps);
  for (int i = 0; i < frames; ++i) {
    cv::Mat frame(kHeight, kWidth, CV_8UC3, cv::Scalar(30, 30, 30));
    const int x = static_cast<int>((kWidth - kHeight) * 0.5 * (1 + std::sin(i * 0.05)));
    scenes[(i / kHoldFrames) % scenes.size()].copyTo(frame(cv::Rect(x, 0, kHeight, kHeight)));
    writer.write(frame);
  }
  std::cout << argv[1] << ": " << frames << " frames, " << kWidth << "x" << kHeight << " at " << kFps << " fps\n";
  return 0;
}
