#include <iostream>

#include "command.hpp"
#include "download_progress.hpp"
#include "vitlens/hub/model_id.hpp"

namespace vitlens::cli {

ArgParser download_arguments() {
  return ArgParser(kProgram, "download", "fetch a model from the Hugging Face hub into its cache, without running it")
      .positional("ORG/NAME[@REVISION]", "the model id; the revision is a branch, a tag or a commit (default main)", false)
      .epilog(
          "Only the files ViTLens reads are fetched: config.json, preprocessor_config.json and the weights\n"
          "(model.safetensors or its shards, else pytorch_model.bin). The cache is huggingface_hub's\n"
          "(HF_HUB_CACHE, HF_HOME, ~/.cache/huggingface/hub), shared with Python tools; HF_TOKEN or\n"
          "$HF_HOME/token for gated models, HF_ENDPOINT for mirrors, HF_HUB_OFFLINE=1 for the cache only.\n"
          "Prints the snapshot folder, which --model also accepts.\n");
}

int run_download(const ParsedArgs& args) {
  const std::string spec = args.positionals().at(0);
  const std::optional<HubModelId> id = parse_hub_model_id(spec);
  if (!id) throw UsageError("'" + spec + "' is not a hub model id (ORG/NAME or ORG/NAME@REVISION)");
  const HubModel model = fetch_hub_model(*id, hub_options());
  for (const std::string& note : model.notes) std::cerr << note << '\n';
  std::cout << model.folder.string() << '\n';
  return 0;
}

}  // namespace vitlens::cli
