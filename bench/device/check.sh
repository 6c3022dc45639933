#!/usr/bin/env bash
# The measurements to take when a session is lent a data-centre GPU (the `device`
# tool's machine: no internet, no Rust toolchain assumed). Build here first, then run
# this on the device machine with the binaries carried:
#
#   cargo build --release --examples && mkdir -p bench/device/lib \
#     && cp /usr/lib/x86_64-linux-gnu/libvulkan.so.1 bench/device/lib/
#   device run: bash bench/device/check.sh
#     carry: target/release/neurodyn, target/release/examples/microcircuit,
#            target/release/examples/reward_conditioning, bench/device/lib
#
# It records what the machine has (Vulkan loader, NVIDIA ICD, driver), supplies a
# loader or an ICD file where one is missing, then runs the standard models, the
# kernel profiles (achieved GB/s against the measured copy bandwidth) and the full
# microcircuit (built on the device, and its build time drawn on the host), each
# under a time limit, writing everything to $OUT (or
# ./device-out). The limits add up to under 10 minutes (one device call); it has not
# yet run on a GPU. Every step is independent, so a step that fails or times out
# leaves the others' results. Copy the numbers, the device
# and driver lines and the date into BENCHMARKS.md.
set -u
out="${OUT:-device-out}"
mkdir -p "$out"
bin=target/release/neurodyn
examples=target/release/examples
log() { echo "== $* ($(date -u +%H:%M:%S))" | tee -a "$out/steps.txt"; }

log machine
{
    date -u
    uname -a
    nvidia-smi || echo "no nvidia-smi"
    echo "-- vulkan loader"; ldconfig -p | grep -i vulkan || echo "none in ldconfig"
    echo "-- ICD files"; ls -l /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1
    echo "-- libGLX_nvidia"; ldconfig -p | grep -i libGLX_nvidia || echo "none"
} > "$out/machine.txt" 2>&1

# A loader carried from the build machine where the system has none.
if ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
    export LD_LIBRARY_PATH="$PWD/bench/device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "using the carried libvulkan.so.1" >> "$out/machine.txt"
fi
# NVIDIA's ICD file where the driver is installed without one.
if ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* > /dev/null 2>&1; then
    glx=$(ldconfig -p | awk '/libGLX_nvidia.so.0/ {print $NF; exit}')
    if [ -n "$glx" ]; then
        cat > "$out/nvidia_icd.json" <<ICD
{ "file_format_version": "1.0.0", "ICD": { "library_path": "$glx", "api_version": "1.3.0" } }
ICD
        export VK_ICD_FILENAMES="$PWD/$out/nvidia_icd.json"
        echo "wrote an ICD file for $glx" >> "$out/machine.txt"
    fi
fi

log "standard models (1 s each)"
timeout 180 "$bin" bench --suite standard \
    --only cuba,coba,cobahh,brunel_12500,brunel_100000,izhikevich2006,izhikevich2007,microcircuit_0.1 \
    --out "$out/standard.json" > "$out/standard.md" 2>&1

log "kernel profiles"
for model in cuba coba brunel izhikevich2007; do
    timeout 25 "$bin" profile "models/$model.toml" --steps 2000 \
        --json "$out/profile_$model.json" > "$out/profile_$model.txt" 2>&1
done

log "microcircuit, full scale, built on the device (1 s simulated)"
timeout 150 "$examples/microcircuit" --scale 1 --seeds 1 --transient-ms 100 \
    --duration-ms 1000 --built-on-device > "$out/microcircuit_1_built.txt" 2>&1

log "microcircuit, full scale, drawn on the host (build time; 100 ms simulated)"
timeout 60 "$examples/microcircuit" --scale 1 --seeds 1 --transient-ms 0 \
    --duration-ms 100 > "$out/microcircuit_1_host.txt" 2>&1

log "Izhikevich (2007) conditioning, 10 simulated minutes"
timeout 80 "$examples/reward_conditioning" --minutes 10 > "$out/conditioning.txt" 2>&1

log done
