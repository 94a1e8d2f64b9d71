#include "vitlens/hub/resolve.hpp"

#include <filesystem>
#include <system_error>

#include "vitlens/hub/model_id.hpp"
#include "vitlens/util/resources.hpp"

namespace vitlens {

std::string resolve_model(const std::string& spec, const HubOptions& options, std::vector<std::string>* notes) {
  const std::string located = locate_model(spec);
  std::error_code ec;
  if (located != spec || std::filesystem::exists(spec, ec)) return located;
  const std::optional<HubModelId> id = parse_hub_model_id(spec);
  if (!id) return spec;
  HubModel model;
  try {
    model = fetch_hub_model(*id, options);
  } catch (const HubCancelled&) {
    throw;
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (and there is no local file or folder '" + spec + "')");
  }
  if (notes) {
    if (!model.fetched.empty()) {
      std::string files;
      for (const std::string& file : model.fetched) files += (files.empty() ? "" : ", ") + file;
      notes->push_back(id->to_string() + ": downloaded " + files + " into " + model.folder.string());
    }
    notes->insert(notes->end(), model.notes.begin(), model.notes.end());
  }
  return model.folder.string();
}

}  // namespace vitlens
