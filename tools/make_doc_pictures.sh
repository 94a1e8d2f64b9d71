#!/bin/sh
# Remakes docs/images/: one picture per explanation method (docs/attention.md), all of the
# bundled classifier on one bundled sample, made by vitlens-cli on the CPU reference.
#   tools/make_doc_pictures.sh [path/to/vitlens-cli]   (default: build/app/cli/vitlens-cli)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cli=${1:-$root/build/app/cli/vitlens-cli}
model=$root/resources/models/fashion-vit
image=$root/resources/samples/fashion/ankle-boot.png
out=$root/docs/images
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# One map over the image: the last layer (5) fused over the heads, the CLS token's row.
attention() {  # NAME, then vitlens-cli attention options
  name=$1
  shift
  "$cli" attention --model "$model" --device cpu --format overlay --opacity 0.6 --out "$work/$name" "$@" "$image" >/dev/null
  cp "$work/$name"/*_overlay.png "$out/$name.png"
}
attention raw --method raw --layers 5 --heads mean
attention rollout --method rollout --layers 5
attention relevance --method relevance
attention gradcam --method gradcam

"$cli" features --model "$model" --device cpu --method pca --format png --out "$work/pca" "$image" >/dev/null
cp "$work/pca"/*_pca.png "$out/pca.png"
"$cli" features --model "$model" --device cpu --method similarity --patch 4,3 --format png --out "$work/similarity" "$image" >/dev/null
cp "$work/similarity"/*_similarity_patch4-3.png "$out/similarity.png"

# Figure 7 of the ViT paper for the classifier over every bundled fashion sample.
"$cli" heads --model "$model" --device cpu --plot "$out/heads.png" "$root/resources/samples/fashion" >/dev/null
echo "pictures in $out"
