#pragma once
#include "vitlens/model/config.hpp"
#include "vitlens/model/tensor.hpp"

namespace vitlens {

// BEiT's relative position bias (transformers BeitRelativePositionBias, timm beit.Attention):
// a learned table of (2 Gh - 1)(2 Gw - 1) + 3 rows by heads, one row per relative offset
// between two patches of a Gh x Gw grid plus three for CLS -> patch, patch -> CLS and
// CLS -> CLS. The bias of a (query, key) pair is looked up from the two tokens' grid
// positions, so no [heads, T, T] tensor is ever built.

// Rows of the table for a grid_height x grid_width patch grid.
inline int relative_position_rows(int grid_height, int grid_width) {
  return (2 * grid_height - 1) * (2 * grid_width - 1) + 3;
}

// The table row of the pair (query, key), token indices with CLS at 0 and the patches
// after it in row-major order (transformers' generate_relative_position_index).
inline int relative_position_row(int query, int key, int grid_height, int grid_width) {
  const int rows = relative_position_rows(grid_height, grid_width);
  if (query == 0) return key == 0 ? rows - 1 : rows - 3;
  if (key == 0) return rows - 2;
  const int qy = (query - 1) / grid_width, qx = (query - 1) % grid_width;
  const int ky = (key - 1) / grid_width, kx = (key - 1) % grid_width;
  return (qy - ky + grid_height - 1) * (2 * grid_width - 1) + (qx - kx + grid_width - 1);
}

// The table `trained` [relative_position_rows(config grid), heads] made to fit an input grid
// as the checkpoint's framework does; the three CLS rows are kept. Hugging Face resizes the
// offset rows bilinearly at run time (BeitRelativePositionBias.forward). timm's Beit has a
// fixed grid: a model built at another size gets the table through its checkpoint filter
// (resize_rel_pos_bias_table: linear interpolation between offsets stretched along a geometric
// progression), which is what runs here; it assumes square training grids and throws Error
// naming the grid otherwise.
Tensor relative_position_table(const Tensor& trained, const VitConfig& config, int grid_height, int grid_width);

}  // namespace vitlens
