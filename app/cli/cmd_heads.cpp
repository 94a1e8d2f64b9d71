#include <filesystem>
#include <iostream>

#include "command.hpp"
#include "image_inputs.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "shared_options.hpp"
#include "vitlens/analysis/head_statistics.hpp"
#include "vitlens/backend/session.hpp"
#include "vitlens/image/decode.hpp"
#include "vitlens/image/input_size.hpp"
#include "vitlens/util/error.hpp"
#include "vitlens/util/safe_file.hpp"

namespace vitlens::cli {

namespace {

namespace fs = std::filesystem;

const cv::Size kPlotSize(720, 480);

void print_text(const HeadStatistics& s) {
  std::cout << "\nover " << s.images << " image" << (s.images == 1 ? "" : "s") << ":\n";
  Table table({{"LAYER", Table::Align::Right},
               {"HEAD", Table::Align::Right},
               {"DISTANCE_PX", Table::Align::Right},
               {"ENTROPY_NATS", Table::Align::Right}});
  for (size_t l = 0; l < s.mean_attention_distance.size(); ++l)
    for (size_t h = 0; h < s.mean_attention_distance[l].size(); ++h)
      table.add_row({std::to_string(l), std::to_string(h), fixed(s.mean_attention_distance[l][h], 1),
                     fixed(s.attention_entropy[l][h], 3)});
  table.print(std::cout, "  ");
}

}  // namespace

ArgParser heads_arguments() {
  ArgParser parser(kProgram, "heads",
                   "Measure what each head does: mean attention distance (pixels) and attention entropy (nats), averaged over images.");
  parser.epilog(
      "Mean attention distance: for each patch query, the distance between patch centres in input\n"
      "pixels weighted by its attention over the patch keys (renormalised over them), averaged\n"
      "over the patch queries. Entropy: of the full attention row, averaged over the patch queries.\n"
      "Both are then averaged over the images. --plot draws the ViT paper's Figure 7: encoder layer\n"
      "on the x axis, distance on the y axis, one dot per head.\n"
      "JSON keys: model, device, device_id, images, mean_attention_distance and attention_entropy\n"
      "([layers][heads]), errors.\n");
  add_model_option(parser);
  add_device_option(parser);
  add_json_flag(parser);
  parser.option("plot", "FILE.png", "also draw the distances per layer and head as a PNG")
      .flag("overwrite", "replace an existing plot");
  add_size_options(parser);
  add_recursive_flag(parser);
  return parser.positional("IMAGE_OR_FOLDER", "image files, or folders whose images are taken in natural order", true);
}

int run_heads(const ParsedArgs& args) {
  const bool json = args.flag("json");
  const std::string plot = args.value("plot");
  const bool overwrite = args.flag("overwrite");
  const InputOptions input = input_options(args);
  if (!plot.empty() && !overwrite && fs::exists(plot)) throw Error(plot + ": already exists; pass --overwrite to replace it");
  const std::vector<std::string> images = expand_image_inputs(args.positionals(), args.flag("recursive"));
  std::shared_ptr<const Model> model = load_model_option(args);
  check_input_options_for(input, *model);
  Session session(model, device_option(args), backend_options(args));
  if (!json) std::cout << "model:  " << model->path << "\ndevice: " << describe(session.device()) << '\n';

  const VitConfig& c = model->config;
  HeadStatisticsAccumulator accumulator(c.num_layers, c.num_heads, c.patch_size);
  Json errors = Json::array();
  Progress progress(images.size());
  for (const std::string& image : images) {
    progress.step(image);
    try {
      const cv::Mat rgb = load_image_rgb(image);
      const Tensor pixels = model_input(*model, rgb, input);
      const ForwardOutput output = session.run(pixels, AttentionRequest::all());
      accumulator.add(output, token_layout(c, static_cast<int>(pixels.dim(1)), static_cast<int>(pixels.dim(2))));
    } catch (const std::exception& e) {
      const std::string message = naming(image, e.what());
      progress.message(std::string(kProgram) + ": " + message);
      errors.push_back({{"image", image}, {"error", message}});
    }
  }
  progress.finish();
  const HeadStatistics s = accumulator.result();
  if (s.images > 0 && !plot.empty()) write_png_safely(plot, plot_attention_distance(s, kPlotSize), overwrite);
  if (json)
    print_json(std::cout, Json{{"model", model->path},
                               {"device", session.device().name},
                               {"device_id", session.device().id()},
                               {"images", s.images},
                               {"mean_attention_distance", s.mean_attention_distance},
                               {"attention_entropy", s.attention_entropy},
                               {"errors", errors}});
  else if (s.images > 0)
    print_text(s);
  if (s.images > 0 && !plot.empty() && !json) std::cout << "plot: " << plot << '\n';
  if (!errors.empty())
    std::cerr << kProgram << ": " << errors.size() << " of " << images.size() << " images could not be measured\n";
  return errors.empty() ? 0 : 1;
}

}  // namespace vitlens::cli
