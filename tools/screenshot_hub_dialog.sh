#!/bin/sh
# Makes docs/screenshots/hub-download.png: the app's Hugging Face download dialog while it
# fetches the bundled fashion-vit demo from the test hub (tests/support/test_hub.py, slowed
# to 150 kB/s so the download is caught under way). Needs a build in build/.
# Run: xvfb-run -a -s "-screen 0 1280x800x24" tools/screenshot_hub_dialog.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
/usr/bin/python3 "$root/tests/support/test_hub.py" --port-file "$work/port" --log "$work/log" \
  --repo "google/vit-fashion-demo=$root/resources/models/fashion-vit" --cdn-rate 150000 &
hub=$!
while [ ! -f "$work/port" ]; do sleep 0.1; done
export HF_ENDPOINT="http://127.0.0.1:$(cat "$work/port")" HF_HUB_CACHE="$work/cache" XDG_CONFIG_HOME="$work/config"
"$root/build/app/gui/vitlens" --model google/vit-fashion-demo &
app=$!
sleep 6
/usr/bin/python3 - "$root/docs/screenshots/hub-download.png" <<'PY'
import os, sys
from PIL import ImageGrab
ImageGrab.grab(xdisplay=os.environ["DISPLAY"]).crop((401, 336, 978, 512)).save(sys.argv[1])
PY
kill "$app" "$hub"
rm -rf "$work"
