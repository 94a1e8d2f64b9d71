#!/bin/sh
# Installs the Debian 12 packages ViTLens needs to build and test, and nothing when they
# are all present already (idempotent). Run as root. `--tools` adds what the Python
# tooling (fixtures, benchmark peer, training) needs, PyTorch with OpenBLAS, and xdotool for
# tools/make_screenshots.sh.
set -eu

packages="build-essential cmake pkg-config ccache libopencv-dev libvulkan-dev mesa-vulkan-drivers
  glslang-tools catch2 nlohmann-json3-dev libcurl4-openssl-dev libssl-dev libdnnl-dev python3-numpy qt6-base-dev xvfb xauth
  help2man desktop-file-utils appstream dpkg-dev file vulkan-validationlayers"
if [ "${1:-}" = "--tools" ]; then
  packages="$packages python3-torch python3-torchvision python3-pil python3-scipy libopenblas0-pthread dataset-fashion-mnist time xdotool"
fi

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "Installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
fi
