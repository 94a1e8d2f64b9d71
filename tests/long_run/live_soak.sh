#!/bin/sh
# The long live run (docs/reliability.md): live mode on a looping video for SECONDS (default
# 1800) with the Khronos validation layer tracking every Vulkan object, resident memory read
# every INTERVAL seconds (default 60), and the slope of memory after warm-up (the first
# WARMUP seconds, default 300) fitted by least squares. Meant for an ASan+UBSan build
# (-DVITLENS_SANITIZE=address,undefined): a leak, an invalid access or a validation message
# fails it. Usage: live_soak.sh BUILD_DIR [DEVICE] (DEVICE default: lavapipe).
set -eu
build=$1
device=${2:-lavapipe}
seconds=${SECONDS_TOTAL:-1800}
interval=${INTERVAL:-60}
warmup=${WARMUP:-300}
source=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
video=$work/loop.avi
"$build/bench/vitlens-bench-video" "$video" 20 >/dev/null

log=$work/validation.log
cat >"$work/vk_layer_settings.txt" <<SETTINGS
khronos_validation.debug_action = VK_DBG_LAYER_ACTION_LOG_MSG
khronos_validation.report_flags = error,warn,perf
khronos_validation.log_filename = $log
SETTINGS
: >"$log"
export VK_LAYER_SETTINGS_PATH=$work/vk_layer_settings.txt VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$work/asan"

"$build/app/cli/vitlens-cli" live --model "$source/resources/models/fashion-yolos" --source "$video" --loop \
  --seconds "$seconds" --device "$device" --json >"$work/summary.json" 2>"$work/stderr.txt" &
pid=$!
echo "live_soak: pid $pid, $seconds s on $device, memory every $interval s (work folder $work)"
echo "seconds rss_kib" >"$work/rss.txt"
elapsed=0
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$rss" ] && echo "$elapsed $rss" | tee -a "$work/rss.txt"
  sleep "$interval"
  elapsed=$((elapsed + interval))
done
status=0
wait "$pid" || status=$?

# Least-squares slope of resident memory over the samples after warm-up, in KiB per minute.
awk -v warmup="$warmup" 'NR > 1 && $1 >= warmup { n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
  END { if (n < 2) { print "live_soak: too few samples after warm-up"; exit }
        slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
        printf "live_soak: %d samples after %d s of warm-up, resident memory slope %.1f KiB/min\n", n, warmup, slope * 60 }' "$work/rss.txt"
cat "$work/summary.json"
messages=$(grep -c "msgNum:" "$log" || true)
echo "live_soak: exit code $status, $messages validation messages"
ls "$work"/asan* >/dev/null 2>&1 && { echo "live_soak: sanitizer reports:"; cat "$work"/asan*; status=1; }
[ "$messages" -eq 0 ] || { grep "msgNum:" "$log" | head -20; status=1; }
exit "$status"
