#!/usr/bin/env bash
# Makes sure a Vulkan driver is installed. On a machine without a GPU driver this
# installs Mesa's lavapipe (Vulkan on the CPU), the driver CI and tests use.
set -euo pipefail

have_icd() {
    local dir
    for dir in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
        if compgen -G "$dir/*.json" >/dev/null; then
            return 0
        fi
    done
    [ -n "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]
}

have_loader() {
    ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'
}

if have_icd && have_loader; then
    exit 0
fi

if ! command -v apt-get >/dev/null; then
    echo "No Vulkan driver found. Install your GPU's Vulkan driver, or Mesa's lavapipe" >&2
    echo "(the package that provides lvp_icd.*.json) to run on the CPU." >&2
    exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "No Vulkan driver found: installing mesa-vulkan-drivers (Vulkan on the CPU)." >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq mesa-vulkan-drivers >/dev/null
