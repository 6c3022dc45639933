#!/bin/bash
# A newer lavapipe beside the system's, without installing it: unpacks Debian
# bookworm-backports' mesa-vulkan-drivers (Mesa 25.0 on 2026-12-07, against bookworm's
# 22.3) and the libdrm it needs into DIR, and writes DIR/env.sh, which points the
# Vulkan loader at it for one shell. Users on a current distribution run a Mesa of
# that age, so speed is measured on both, and the tests and rasters checked on both
# (BENCHMARKS.md "What a storage access costs on lavapipe").
#
# Usage: bench/lavapipe_backports.sh DIR
#   then: . DIR/env.sh; neurodyn devices   (names the driver, e.g. Mesa 25.0.7)
# Needs apt-get and the Debian archive; apt's own state and the system's Mesa are
# left as they are (package lists go to DIR/apt).
set -euo pipefail
dir=$(mkdir -p "$1" && cd "$1" && pwd)
suite=bookworm-backports
mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs" "$dir/root"
cat > "$dir/apt/sources" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main
EOF
apt_options=(
    -o "Dir::Etc::SourceList=$dir/apt/sources" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache"
)
apt-get "${apt_options[@]}" update > "$dir/apt/update.log"
version=$(apt-cache "${apt_options[@]}" madison mesa-vulkan-drivers | awk -v s="$suite" '$0 ~ s {print $3; exit}')
drm=$(apt-cache "${apt_options[@]}" madison libdrm2 | awk -v s="$suite" '$0 ~ s {print $3; exit}')
[ -n "$version" ] && [ -n "$drm" ] || { echo "no mesa-vulkan-drivers or libdrm2 in $suite" >&2; exit 1; }
(cd "$dir/debs" && apt-get "${apt_options[@]}" download \
    "mesa-vulkan-drivers=$version" "libdrm2=$drm" "libdrm-amdgpu1=$drm" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
lib="$dir/root/usr/lib/x86_64-linux-gnu"
[ -f "$lib/libvulkan_lvp.so" ] || { echo "libvulkan_lvp.so not unpacked" >&2; exit 1; }
sed "s#\"library_path\": *\"[^\"]*\"#\"library_path\": \"$lib/libvulkan_lvp.so\"#" \
    "$dir/root/usr/share/vulkan/icd.d/lvp_icd.json" > "$dir/lvp_icd.json"
cat > "$dir/env.sh" <<EOF
# lavapipe from mesa-vulkan-drivers $version ($suite), for this shell only.
export VK_ICD_FILENAMES=$dir/lvp_icd.json
export LD_LIBRARY_PATH=$lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
EOF
echo "mesa-vulkan-drivers $version in $dir; use it with: . $dir/env.sh"
