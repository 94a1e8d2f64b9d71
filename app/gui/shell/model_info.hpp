#pragma once
#include <QString>

#include "vitlens/model/model.hpp"

namespace vitlens::gui {

// Model > Info as rich text: the engine's description of the model (describe_model), the
// same facts `vitlens-cli info` prints.
QString model_info_html(const Model& model);

}  // namespace vitlens::gui
