#pragma once
#include <QString>

#include "vitlens/model/model.hpp"

namespace vitlens::gui {

// Model > Info as rich text: architecture, sizes, parameters, labels, pre-processing.
QString model_info_html(const Model& model);

}  // namespace vitlens::gui
