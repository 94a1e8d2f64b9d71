#!/bin/bash
# The GPU check: the engine's tests on the GPU (what `auto` picks), the Vulkan tests under the
# validation layer, and the benchmark against PyTorch on CUDA, from a bundle made by bundle.py.
# Run from the repository root of a checkout on the GPU machine, as root:
#   bash BUNDLE/run.sh            (BUNDLE = the folder bundle.py wrote, inside the checkout)
# The tests have this build's paths compiled in, so the checkout is linked to where it was
# built (/work/main). Logs go to $OUT (default /tmp/gpu-check). Each step has a time limit:
# CTEST_S, BENCH_S, VALIDATION_S seconds.
set -u
bundle=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-/tmp/gpu-check}
mkdir -p "$out"
exec > >(tee "$out/run.log") 2>&1
step() { echo; echo "=== $* ($(date +%T))"; }

# Debian's GL and Vulkan loader packages, where the device machine wants them carried (.gl/).
if ls .gl/*.deb >/dev/null 2>&1; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
mkdir -p /opt/vitlens-bundle
python3 -c "import tarfile, sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$bundle/lib.tar.xz" /opt/vitlens-bundle
export LD_LIBRARY_PATH=/opt/vitlens-bundle/lib
[ -x /usr/bin/time ] || cp "$bundle/time" /usr/bin/time
mkdir -p /work
[ -e /work/main ] || ln -s "$PWD" /work/main
cd /work/main
mkdir -p build/tests build/app/cli
cp "$bundle"/vitlens_tests "$bundle"/*.cmake build/tests/
cp "$bundle"/vitlens-cli build/app/cli/
mkdir -p /usr/share/vulkan/explicit_layer.d
cp "$bundle"/VkLayer_khronos_validation.json /usr/share/vulkan/explicit_layer.d/
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd
export VITLENS_SOURCE_DIR=/work/main

step devices
nvidia-smi -L 2>/dev/null; nproc
build/app/cli/vitlens-cli devices
build/app/cli/vitlens-cli devices --json >"$out/devices.json" 2>&1

step "engine tests on the GPU"
# Many tests at once: each CPU-side test gets 2 threads.
VITLENS_THREADS=2 OMP_NUM_THREADS=2 timeout "${CTEST_S:-150}" \
  ctest --test-dir build/tests -j16 -E "^(install|architecture)" --output-on-failure --timeout 120 >"$out/ctest.log" 2>&1
echo "ctest exit $?"
grep -E "tests passed|tests failed|\((Failed|Timeout|SEGFAULT|Subprocess aborted)\)" "$out/ctest.log" | head -60

step "bench: ViTLens on the GPU and on every CPU thread, PyTorch on CUDA, same weights"
PYTHONUNBUFFERED=1 timeout "${BENCH_S:-120}" python3 bench/bench_vs_pytorch.py --torch-device cuda --devices auto,cpu \
  --threads "$(nproc)" --runs 10 --long-runs 3 --cache /tmp/bench-models >"$out/bench.log" 2>&1
echo "bench exit $?"
tail -12 "$out/bench.log"
timeout 30 build/app/cli/vitlens-cli bench --model /tmp/bench-models/vit-b16 --device auto --relevance --runs 10 | tail -4
timeout 30 build/app/cli/vitlens-cli bench --model /tmp/bench-models/vit-b16 --device auto --profile --runs 10 | tail -22

step "the Vulkan tests under the validation layer"
timeout "${VALIDATION_S:-60}" sh tests/validation/check_validation.sh build /work/main >"$out/validation.log" 2>&1
echo "validation exit $?"
tail -25 "$out/validation.log"
step done
