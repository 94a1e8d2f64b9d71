#!/bin/sh
# Runs the Vulkan tests (golden models, GEMM and attention kernels, streaming, the engine
# against the reference, input sizes, relevance, YOLOS, fault injection; both kernel
# families) under the Khronos validation layer, and fails on any validation message.
# Usage: check_validation.sh BUILD_DIR [SOURCE_DIR]. Skips (exit 77) without the layer.
set -eu
build=$1
source=${2:-$(dirname "$0")/../..}
layer_json=/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json
[ -f "$layer_json" ] || { echo "check_validation: vulkan-validationlayers is not installed; skipped"; exit 77; }

settings=$(mktemp -d)
log=$settings/validation.log
# Every error, warning and performance warning goes to one log; the layer checks object
# lifetimes, parameters, synchronisation and shader/descriptor use (its defaults) and
# GPU-assisted checks stay off (lavapipe runs them too slowly).
cat >"$settings/vk_layer_settings.txt" <<SETTINGS
khronos_validation.debug_action = VK_DBG_LAYER_ACTION_LOG_MSG
khronos_validation.report_flags = error,warn,perf
khronos_validation.log_filename = $log
khronos_validation.enables = VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT
SETTINGS
export VK_LAYER_SETTINGS_PATH=$settings/vk_layer_settings.txt
export VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation
export VITLENS_SOURCE_DIR="$source"
: >"$log"

tests="[#test_golden],[#test_gemm_kernels],[#test_attention_kernel],[#test_attention_streaming],[#test_vulkan_engine],[#test_input_sizes],[#test_relevance],[#test_yolos],[#test_fault_injection]"
status=0
"$build/tests/vitlens_tests" -# "${VALIDATION_TESTS:-$tests}" || status=$?
# One line per message carries "msgNum:"; list them by message id, most frequent first.
messages=$(grep -c "msgNum:" "$log" || true)
grep "msgNum:" "$log" | sed -n 's/.*\[ \([^ ]*\) \].*/\1/p' | sort | uniq -c | sort -rn | head -40
echo "check_validation: $messages validation messages (log: $log)"
[ "$status" -eq 0 ] || { echo "check_validation: the tests failed under the layer" >&2; exit "$status"; }
[ "$messages" -eq 0 ] || exit 1
rm -rf "$settings"
