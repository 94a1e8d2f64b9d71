#!/bin/sh
# What a user and a packager get: installs the build into a temporary DESTDIR, runs the
# installed CLI on the installed demo model from another directory, validates the desktop
# entry and the AppStream metainfo, builds and runs the example against the installed CMake
# package, and builds the Debian package and checks its files and dependencies.
#   check_install.sh SOURCE_DIR BUILD_DIR
set -eu
source_dir=$1
build_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
prefix=/usr

fail() { echo "check_install: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "install into DESTDIR"
DESTDIR=$root cmake --install "$build_dir" --prefix "$prefix" > "$work/install.log"
for f in bin/vitlens bin/vitlens-cli share/applications/io.github.vitlens.ViTLens.desktop \
         share/metainfo/io.github.vitlens.ViTLens.metainfo.xml \
         share/icons/hicolor/scalable/apps/io.github.vitlens.ViTLens.svg \
         share/icons/hicolor/48x48/apps/io.github.vitlens.ViTLens.png \
         share/man/man1/vitlens.1.gz share/man/man1/vitlens-cli.1.gz \
         share/bash-completion/completions/vitlens-cli \
         share/vitlens/resources/models/fashion-vit/config.json \
         include/vitlens/backend/session.hpp lib/cmake/ViTLens/ViTLensConfig.cmake \
         lib/cmake/ViTLens/ViTLensConfigVersion.cmake; do
  found=$(find "$root$prefix" -path "$root$prefix/$f" -o -path "$root$prefix/lib/*/${f#lib/}" | head -n 1)
  [ -n "$found" ] || fail "not installed: $prefix/$f"
done
outside=$(cd "$root" && find . -type f ! -path "./usr/*")
[ -z "$outside" ] || fail "files outside /usr: $outside"

step "the installed CLI finds its demo model from anywhere"
cd "$work"
"$root$prefix/bin/vitlens-cli" classify --model fashion-vit --topk 1 \
  "$root$prefix/share/vitlens/resources/samples/fashion/bag.png" > "$work/classify.txt"
grep -q "Bag" "$work/classify.txt" || { cat "$work/classify.txt"; fail "installed classify did not answer Bag"; }
grep -q "^model: *$root$prefix/share/vitlens/resources/models/fashion-vit" "$work/classify.txt" \
  || { cat "$work/classify.txt"; fail "the installed CLI did not take the installed demo model"; }
"$root$prefix/bin/vitlens" --help > /dev/null || fail "installed vitlens --help failed"

step "desktop entry and metainfo validate"
desktop-file-validate "$root$prefix/share/applications/io.github.vitlens.ViTLens.desktop"
appstreamcli validate --no-net "$root$prefix/share/metainfo/io.github.vitlens.ViTLens.metainfo.xml"

step "the example builds against the installed package and runs"
cmake -S "$source_dir/examples/classify_and_attend" -B "$work/example" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$root$prefix" > "$work/example-configure.log" || { cat "$work/example-configure.log"; fail "example configure"; }
cmake --build "$work/example" > "$work/example-build.log" 2>&1 || { cat "$work/example-build.log"; fail "example build"; }
"$work/example/classify_and_attend" fashion-vit "$root$prefix/share/vitlens/resources/samples/fashion/bag.png" \
  "$work/attention.png" > "$work/example.txt"
grep -q "^Bag " "$work/example.txt" || { cat "$work/example.txt"; fail "example did not classify the bag"; }
[ -s "$work/attention.png" ] || fail "example wrote no attention PNG"
step "find_package checks versions"
mkdir -p "$work/future"
cat > "$work/future/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.22)
project(future LANGUAGES NONE)
find_package(ViTLens 0.3 QUIET)
if(ViTLens_FOUND)
  message(FATAL_ERROR "ViTLens 0.2 accepted where 0.3 was asked for")
endif()
CMAKE
cmake -S "$work/future" -B "$work/future-build" -DCMAKE_PREFIX_PATH="$root$prefix" > /dev/null \
  || fail "find_package(ViTLens 0.3) accepted version 0.2"

step "the Debian package"
(cd "$build_dir" && cpack -G DEB -B "$work/deb" > "$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/deb/vitlens_*_amd64.deb)
dpkg-deb -c "$deb" > "$work/deb-files.txt"
awk '{ print $6 }' "$work/deb-files.txt" | grep -v '^\./usr/' | grep -v '^\./$' && fail "package has files outside /usr"
grep -q '\./usr/bin/vitlens-cli$' "$work/deb-files.txt" || fail "package lacks vitlens-cli"
grep -q '\./usr/share/applications/io.github.vitlens.ViTLens.desktop$' "$work/deb-files.txt" || fail "package lacks the desktop entry"
dpkg-deb -I "$deb" > "$work/deb-info.txt"
grep -q '^ Depends:.*libvulkan1' "$work/deb-info.txt" || { cat "$work/deb-info.txt"; fail "Depends lacks libvulkan1"; }
grep -q '^ Depends:.*libqt6widgets6' "$work/deb-info.txt" || { cat "$work/deb-info.txt"; fail "Depends lacks Qt 6 Widgets"; }
grep -q '^ Depends:.*libopencv-imgcodecs' "$work/deb-info.txt" || { cat "$work/deb-info.txt"; fail "Depends lacks OpenCV"; }
grep -q '^ Recommends: mesa-vulkan-drivers' "$work/deb-info.txt" || fail "mesa-vulkan-drivers is not recommended"
echo "check_install: all checks passed ($(basename "$deb"))"
