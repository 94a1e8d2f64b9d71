#!/bin/sh
# Renders the hicolor PNGs from the SVG (librsvg2-bin); run after editing the SVG.
set -eu
cd "$(dirname "$0")"
for size in 16 32 48 64 128 256; do
  mkdir -p "hicolor/${size}x${size}/apps"
  rsvg-convert -w "$size" -h "$size" io.github.vitlens.ViTLens.svg -o "hicolor/${size}x${size}/apps/io.github.vitlens.ViTLens.png"
done
