#!/usr/bin/python3
"""Packs a build's test programs with their shared libraries, to run the engine's tests and
benchmarks on a machine with a GPU that has none of the build's Debian libraries (run.sh).

The bundle holds vitlens_tests, vitlens-cli and their ctest files, every shared library they
load except the C and C++ runtimes (the target's own, newer ones serve), the Khronos
validation layer, and /usr/bin/time. OpenCV's image and video modules link GDAL, DICOM,
OpenEXR, FFmpeg, GStreamer, libdc1394 and libgphoto2, which with their own dependencies are
over 200 MB; the GPU checks decode PNG, JPEG, WebP and TIFF only, so each of those libraries
is replaced by a stub that defines the symbols OpenCV takes from it (so a BIND_NOW load
succeeds) as functions that do nothing and return 0: OpenCV registers GDAL's drivers when it
first decodes an image, and nothing else of them runs. Video tests fail in the bundle.

Usage: bundle.py BUILD_DIR OUT_DIR   (OUT_DIR/lib.tar.xz and the programs; about 40 MB)
"""

import collections
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

LIBDIRS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"]
RUNTIME = re.compile(r"^(libc|libm|libpthread|libdl|librt|ld-linux-x86-64|libstdc\+\+|libgcc_s|libmvec)\.so")
# Library -> what it pulls in that the checks never call.
STUBBED = {
    "libopencv_imgcodecs.so.406": re.compile(r"^lib(gdal|gdcm|OpenEXR)"),
    "libopencv_videoio.so.406": re.compile(r"^lib(gst|av|swscale|dc1394|gphoto)"),
}
VALIDATION_LAYER = "/usr/lib/x86_64-linux-gnu/libVkLayer_khronos_validation.so"


def find(name):
    for d in LIBDIRS:
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    raise SystemExit(f"bundle: {name} is not installed")


def needed(path):
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\).*\[(.*)\]", out)


def dynamic_symbols(path):
    """(size, type, section index, name with @version) of each dynamic symbol."""
    out = subprocess.run(["readelf", "--dyn-syms", "-W", path], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 8 and f[0].endswith(":"):
            yield f[2], f[3], f[6], f[7]


def closure(programs):
    """Every library the programs load, stubbed ones marked: {soname: (path, stubbed_for)}."""
    found, todo = {}, list(programs)
    while todo:
        path = todo.pop()
        base = os.path.basename(path)
        for name in needed(path):
            if RUNTIME.match(name) or name in found:
                continue
            stub_for = path if base in STUBBED and STUBBED[base].match(name) else None
            found[name] = (find(name), stub_for)
            if not stub_for:
                todo.append(found[name][0])
    return found


def required_versions(consumer, soname):
    out = subprocess.run(["readelf", "-V", consumer], capture_output=True, text=True, check=True).stdout
    m = re.search(r"File: " + re.escape(soname) + r"\s+Cnt: \d+\n((?:.*Name:.*\n)+)", out)
    return re.findall(r"Name: (\S+)", m.group(1)) if m else []


def make_stub(consumer, soname, real, out_dir, work):
    """A library named `soname` defining what `consumer` takes from `real`, with its versions."""
    wanted = {name.split("@")[0] for _, _, ndx, name in dynamic_symbols(consumer) if ndx == "UND"}
    source, nodes = [], collections.defaultdict(list)
    for size, kind, ndx, name in dynamic_symbols(real):
        base, _, version = name.partition("@")
        if ndx == "UND" or base not in wanted:
            continue
        if kind in ("OBJECT", "TLS"):
            source.append(f"char {base}[{max(int(size, 0), 1)}] __attribute__((aligned(16)));")
        else:
            source.append(f"long {base}(void) {{ return 0; }}")
        nodes[version.lstrip("@")].append(base)
    for version in required_versions(consumer, soname):
        nodes.setdefault(version, [])
    c_file, map_file = os.path.join(work, soname + ".c"), os.path.join(work, soname + ".map")
    with open(c_file, "w") as f:
        f.write("\n".join(source) + "\n")
    with open(map_file, "w") as f:
        for version, symbols in nodes.items():
            exported = "".join(f" {s};" for s in symbols)
            f.write(f"{version} {{ global:{exported} }};\n" if version else f"{{ global:{exported} local: *; }};\n")
    command = ["gcc", "-shared", "-fPIC", "-w", "-o", os.path.join(out_dir, soname), f"-Wl,-soname,{soname}", c_file]
    if nodes:
        command.append(f"-Wl,--version-script={map_file}")
    subprocess.run(command, check=True)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    build, out = sys.argv[1], sys.argv[2]
    tests_dir = os.path.join(build, "tests")
    programs = [os.path.join(tests_dir, "vitlens_tests"), os.path.join(build, "app", "cli", "vitlens-cli")]
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        lib = os.path.join(work, "lib")
        os.makedirs(lib)
        stubs = 0
        for soname, (path, stub_for) in sorted(closure(programs).items()):
            if stub_for:
                make_stub(stub_for, soname, path, lib, work)
                stubs += 1
            else:
                shutil.copy(path, os.path.join(lib, soname))
        shutil.copy(VALIDATION_LAYER, lib)
        with tarfile.open(os.path.join(out, "lib.tar.xz"), "w:xz") as tar:
            tar.add(lib, arcname="lib")
        print(f"bundle: {len(os.listdir(lib))} libraries ({stubs} stubs)")
    for program in programs:
        shutil.copy(program, out)
    for name in os.listdir(tests_dir):
        if name == "CTestTestfile.cmake" or name.startswith("vitlens_tests_") and name.endswith(".cmake"):
            shutil.copy(os.path.join(tests_dir, name), out)
    shutil.copy("/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json", out)
    shutil.copy("/usr/bin/time", out)
    shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), "run.sh"), out)


if __name__ == "__main__":
    main()
