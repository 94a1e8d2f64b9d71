#!/bin/sh
# Remakes the app's screenshots in docs/screenshots/ from the real window: each shot starts
# the app with a fresh settings file holding the attention settings it shows and saves the
# window with --screenshot once the first result is shown; the compare window, which
# --screenshot does not cover, is opened with its shortcut (Ctrl+K, sent by xdotool) and
# grabbed from the screen, and its Export Pair writes docs/images/compare-pair.png. Needs build/ (vitlens, vitlens-bench-video) and xdotool.
# Run: xvfb-run -a -s "-screen 0 1600x1000x24" tools/make_screenshots.sh [NAME...]
# (NAME: classification head-grid detection pca-features live compare; default all)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
app=$root/build/app/gui/vitlens
shots=$root/docs/screenshots
samples=$root/resources/samples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A settings folder for XDG_CONFIG_HOME whose [attention] group holds the given keys.
settings() {  # NAME, then key=value lines (settings.cpp names them)
  name=$1
  shift
  mkdir -p "$work/$name/ViTLens"
  { echo "[attention]"; for line in "$@"; do echo "$line"; done; } >"$work/$name/ViTLens/vitlens.conf"
}

wanted() { [ -z "$only" ] || case " $only " in *" $1 "*) true ;; *) false ;; esac; }
only="$*"

shot() {  # NAME, then vitlens arguments
  name=$1
  shift
  wanted "$name" || return 0
  XDG_CONFIG_HOME="$work/$name" "$app" --screenshot "$shots/$name.png" "$@"
}

settings classification layer=3 colormap=inferno
shot classification --model fashion-vit "$samples/fashion"

settings head-grid layer=2 head=1 colormap=turbo
shot head-grid --model fashion-vit "$samples/fashion/trouser.png"

settings detection layer=5
shot detection --model fashion-yolos "$samples/scenes/scene_0058.png"

settings pca-features method=pca
shot pca-features --model fashion-vit "$samples/fashion/ankle-boot.png"

if wanted live; then "$root/build/bench/vitlens-bench-video" "$work/live.avi" 20 >/dev/null; fi
settings live layer=5
shot live --model fashion-yolos --live "$work/live.avi"

# The compare view: the last layer's raw attention against the top class's relevance.
if wanted compare; then
  settings compare layer=5
  XDG_CONFIG_HOME="$work/compare" "$app" --model fashion-vit "$samples/fashion/ankle-boot.png" &
  pid=$!
  sleep 10
  # No window manager: focus the window so the key goes to it.
  xdotool windowfocus --sync "$(xdotool search --sync --name '^ankle-boot.png - ViTLens$' | head -n 1)"
  xdotool key ctrl+k
  sleep 6
  compare=$(xdotool search --name '^Compare - ViTLens$' | head -n 1)
  eval "$(xdotool getwindowgeometry --shell "$compare")"
  /usr/bin/python3 - "$shots/compare.png" "$X" "$Y" "$WIDTH" "$HEIGHT" <<'PY'
import os, sys
from PIL import ImageGrab
x, y, w, h = map(int, sys.argv[2:])
ImageGrab.grab(xdisplay=os.environ["DISPLAY"]).crop((x, y, x + w, y + h)).save(sys.argv[1])
PY
  # Export Pair (the button at the window's bottom right), through the file dialog.
  xdotool mousemove "$((X + WIDTH - 50))" "$((Y + HEIGHT - 22))" click 1
  sleep 2
  xdotool key ctrl+a type "$root/docs/images/compare-pair.png"
  xdotool key Return
  sleep 2
  kill "$pid"
fi
echo "screenshots in $shots"
