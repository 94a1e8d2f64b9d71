// classify_and_attend MODEL IMAGE OUT.png
//
// The ViTLens engine from another program: load a model, classify an image, and save where
// the CLS token looks in the last layer (its attention averaged over the heads) as a heatmap
// over the image. MODEL is a Hugging Face folder, a timm .safetensors file, or a bundled demo
// model's name such as fashion-vit.
#include <iostream>
#include <memory>

#include "vitlens/analysis/colormap.hpp"
#include "vitlens/analysis/maps.hpp"
#include "vitlens/analysis/upsampling.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/checkpoint/load.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/preprocess.hpp"
#include "vitlens/util/error.hpp"
#include "vitlens/util/resources.hpp"
#include "vitlens/util/safe_file.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: classify_and_attend MODEL IMAGE OUT.png\n";
    return 2;
  }
  try {
    // A model is loaded once and shared; a Session puts it on a device ("auto": the best
    // GPU, else a CPU implementation) with its weights uploaded once.
    auto model = std::make_shared<const vitlens::Model>(vitlens::load_model(vitlens::locate_model(argv[1])));
    vitlens::Session session(model, vitlens::choose_device("auto"));

    // Pre-process exactly as the checkpoint's framework does, then ask the forward pass
    // for the attention rows of the CLS token only (the logits do not change).
    const cv::Mat rgb = vitlens::load_image_rgb(argv[2]);
    const vitlens::Tensor pixels = vitlens::preprocess(rgb, model->preprocess);
    const vitlens::TokenLayout layout =
        vitlens::token_layout(model->config, static_cast<int>(pixels.shape[1]), static_cast<int>(pixels.shape[2]));
    const int last_layer = model->config.num_layers - 1;
    const vitlens::MapSelection selection = vitlens::resolve(
        {{last_layer}, {}, vitlens::HeadFusion::Mean, {vitlens::QueryToken{}}}, model->config.num_layers,
        model->config.num_heads);
    const vitlens::ForwardOutput output =
        session.run(pixels, vitlens::attention_request(vitlens::resolve_queries(selection.queries, layout)));

    if (model->has_classifier())
      for (const vitlens::Prediction& p : vitlens::top_k(output.logits, model->labels, 3))
        std::cout << p.label << ' ' << p.probability << '\n';

    // The map lives on the patch grid; put it back over the original image and colour it.
    const vitlens::AttentionMaps maps = vitlens::raw_attention_maps(output, layout, selection);
    const cv::Mat grid = maps.map(0, 0, 0);
    const cv::Mat map = vitlens::upsample_to_image(grid, rgb.size(), model->preprocess,
                                                   vitlens::Upsampling::Bilinear, rgb.size());
    const cv::Mat colours =
        vitlens::colorize(vitlens::normalise(map, vitlens::value_range(map)), vitlens::Colormap::Inferno);
    vitlens::write_png_safely(argv[3], vitlens::overlay(rgb, colours, 0.6), /*overwrite=*/false);
    std::cout << "wrote " << argv[3] << '\n';
    return 0;
  } catch (const vitlens::Error& e) {
    std::cerr << "classify_and_attend: " << e.what() << '\n';  // names the file and the problem
    return 1;
  }
}
