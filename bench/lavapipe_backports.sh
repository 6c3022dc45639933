#!/bin/bash
# A newer lavapipe beside the system's, without installing it: unpacks Debian
# bookworm-backports' mesa-vulkan-drivers (Mesa 25.0 on 2026-12-07, against bookworm's
# 22.3) and the libdrm it needs into DIR, and writes DIR/env.sh, which points the
# Vulkan loader at it for one shell. Users on a current distribution run a Mesa of
# that age, so speed is measured on both, and the tests and rasters checked on both
# (BENCHMARKS.md "What a storage access costs on lavapipe, counted").
#
# Usage: bench/lavapipe_backports.sh DIR
#   then: . DIR/env.sh; neurodyn devices   (names the driver, e.g. Mesa 25.0.7)
# Needs a Debian-based host with apt-get, dpkg and the Debian archive (its keyring,
# the network); the driver also needs the libraries the system's Mesa needs (LLVM 15
# on bookworm). apt's own state and the system's Mesa are left as they are: package
# lists and downloads go to DIR/apt, DIR/debs.
set -euo pipefail
dir=${1:?usage: bench/lavapipe_backports.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
suite=bookworm-backports
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { echo "no $keyring: this is not a Debian host" >&2; exit 1; }
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")
rm -rf "$dir/debs" "$dir/root"
mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs" "$dir/root"
echo "deb [signed-by=$keyring] http://deb.debian.org/debian $suite main" > "$dir/apt/sources"
apt_options=(
    -o "Dir::Etc::SourceList=$dir/apt/sources" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache"
)
# apt-get update exits 0 when a fetch fails; the empty list below then says so.
apt-get "${apt_options[@]}" update > "$dir/apt/update.log" 2>&1 \
    || { cat "$dir/apt/update.log" >&2; exit 1; }
version_in_suite() {
    apt-cache "${apt_options[@]}" madison "$1" | awk -v s="$suite" '$0 ~ s && v == "" {v = $3} END {print v}'
}
version=$(version_in_suite mesa-vulkan-drivers)
drm=$(version_in_suite libdrm2)
if [ -z "$version" ] || [ -z "$drm" ]; then
    echo "no mesa-vulkan-drivers or libdrm2 in $suite (the package lists: $dir/apt/update.log)" >&2
    exit 1
fi
(cd "$dir/debs" && apt-get "${apt_options[@]}" download \
    "mesa-vulkan-drivers=$version" "libdrm2=$drm" "libdrm-amdgpu1=$drm") \
    > "$dir/apt/download.log" 2>&1 || { cat "$dir/apt/download.log" >&2; exit 1; }
for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
lib="$dir/root/usr/lib/$arch"
driver="$lib/libvulkan_lvp.so"
[ -f "$driver" ] || { echo "$driver was not unpacked" >&2; exit 1; }
# The loader skips a driver whose libraries are missing without saying so.
missing=$(LD_LIBRARY_PATH="$lib" ldd "$driver" | grep 'not found' || true)
[ -z "$missing" ] || { echo "the driver needs libraries this host lacks:" >&2; echo "$missing" >&2; exit 1; }
python3 - "$dir/root/usr/share/vulkan/icd.d/lvp_icd.json" "$driver" "$dir/lvp_icd.json" <<'PY'
import json, sys
icd = json.load(open(sys.argv[1]))
icd["ICD"]["library_path"] = sys.argv[2]
json.dump(icd, open(sys.argv[3], "w"), indent=4)
PY
{
    echo "# lavapipe from mesa-vulkan-drivers $version ($suite), for this shell only."
    printf 'export VK_ICD_FILENAMES=%q\n' "$dir/lvp_icd.json"
    printf 'export LD_LIBRARY_PATH=%q${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\n' "$lib"
} > "$dir/env.sh"
echo "mesa-vulkan-drivers $version in $dir; use it with: . $(printf %q "$dir/env.sh")"
