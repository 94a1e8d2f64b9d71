#pragma once
#include <optional>

#include <QPointF>
#include <QRectF>

#include "inference/inference_result.hpp"
#include "vitlens/analysis/query_token.hpp"

namespace vitlens::gui {

// Where the model's patches lie on the original image, through the pre-processing geometry
// (vitlens::input_geometry): the inverse of what upsample_to_image does for maps.

// The patch under an image pixel, or nothing where the crop cut the image off.
std::optional<QueryToken> patch_at(const InferenceResult& result, QPointF image_pixel);
// The area of the original image a patch (grid row, column) covers, in image pixels.
QRectF patch_rect(const InferenceResult& result, int row, int column);

}  // namespace vitlens::gui
