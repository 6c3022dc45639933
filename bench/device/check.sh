#!/usr/bin/env bash
# The measurements to take when a session is lent a data-centre GPU (the `device`
# tool's machine: no internet, no Rust toolchain, no libhdf5 assumed). Limits, from
# /work/.library/device/README.md: one command ≤ 10 min and ≤ 2,000 characters; 15 min
# of device time per session, the machine's 1–2 min start included; at most 8 files
# come back from $OUT (16 MiB each, 64 MiB together, ≤ 2 folders down); the working
# tree plus carried paths ≤ 64 MiB.
#
# Build here first, WITHOUT `--features sonata` (a sonata build links libhdf5, libcurl
# and friends, which the device may lack), and build these binaries LAST: `cargo test
# --release --features sonata` rebuilds target/release/neurodyn with libhdf5 linked.
#
#   cargo build --release --bins --examples
#   ldd target/release/neurodyn | grep -i hdf5     # must print nothing, else rebuild
#   mkdir -p bench/device/lib && cp /usr/lib/x86_64-linux-gnu/libvulkan.so.1 bench/device/lib/
#
# then, through the device tool (timeout_s 540; about 7 min of steps, so that one
# rerun fits the session's 15 minutes):
#
#   run: bash bench/device/check.sh
#   carry: target/release/neurodyn, target/release/examples/microcircuit,
#          target/release/examples/reward_conditioning, bench/device/lib
#          (and .gl, if the Vulkan loader debs were downloaded there as the device
#          README describes: they are unpacked before anything else)
#
# Rerun single steps (names as in steps.txt) on the warm machine:
#   STEPS=bench_cobahh,profile_cuba bash bench/device/check.sh
#
# It records the machine (driver, Vulkan loader, ICD files, NVIDIA libraries), finds or
# writes NVIDIA's Vulkan ICD file, lists the adapters (`neurodyn devices`) and stops
# unless an NVIDIA adapter is there and chosen (no point measuring llvmpipe). Then one
# step after another, most valuable first, each under its own `timeout` and all within
# BUDGET_S seconds (default 400; a step that would not fit is skipped and listed): the
# full-scale microcircuit built on the device (real-time factor), kernel profiles
# (achieved GB/s against the measured copy bandwidth), every standard bench case as
# its own run (a timeout loses that case only), the microcircuit's rates, the host-drawn
# microcircuit, the Izhikevich (2007) conditioning.
#
# Output: everything goes to a working folder outside $OUT (one log.txt with every
# step's output, one JSON file per bench case and profile, steps.txt with each step's
# exit status and time); after every step it is packed into $OUT/device-check.tar.gz,
# and steps.txt is copied to $OUT, so a kill of the whole command still leaves the
# finished steps. Copy the numbers, the device and driver lines and the date into
# BENCHMARKS.md.
#
# Environment: OUT (default ./device-out); BUDGET_S (default 400); STEPS (only these
# steps); DRY=1 (only the machine, Vulkan and adapter checks, then pack);
# REQUIRE_NVIDIA=0 (run on whatever adapter there is: for testing this script only).
set -u
start_s=$(date +%s)
out="${OUT:-device-out}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
parent="$(mktemp -d "${TMPDIR:-/tmp}/device-check.XXXXXX")"
work="$parent/device-check"
mkdir -p "$work"
logf="$work/log.txt"
steps_f="$work/steps.txt"
: > "$logf"
: > "$steps_f"
bin="$PWD/target/release/neurodyn"
examples="$PWD/target/release/examples"
budget_s="${BUDGET_S:-400}"
only_steps="${STEPS:-}"
require_nvidia="${REQUIRE_NVIDIA:-1}"
failures=0

note() { echo "$*" | tee -a "$steps_f" "$logf"; }

# Files above 4 MiB (a runaway log) keep their first and last MiB, so that the
# tarball stays far under the 16 MiB a returned file may have.
pack() {
    local f size
    find "$work" -type f -size +4M -print0 | while IFS= read -r -d '' f; do
        { head -c 1048576 "$f"; printf '\n[... truncated by check.sh ...]\n'; tail -c 1048576 "$f"; } > "$f.cut" \
            && mv -f "$f.cut" "$f"
    done
    cp -f "$steps_f" "$out/steps.txt"
    if tar -czf "$out/device-check.part" -C "$parent" device-check 2>/dev/null; then
        mv -f "$out/device-check.part" "$out/device-check.tar.gz"
    fi
    size=$(stat -c %s "$out/device-check.tar.gz" 2>/dev/null || echo 0)
    if [ "$size" -gt $((15 * 1048576)) ]; then
        # Never expected (text compresses well): keep the JSON files and the step list.
        (cd "$parent" && find device-check -name '*.json' -o -name steps.txt -o -name devices.txt) \
            | tar -czf "$out/device-check.tar.gz" -C "$parent" -T - 2>/dev/null
        echo "warning: packed only the JSON files (the whole folder was $size bytes)" >&2
    fi
}
# The working folder goes once it is packed (kept where packing failed).
trap 'pack; [ -s "$out/device-check.tar.gz" ] && rm -rf "$parent"' EXIT
trap 'note "stopped by a signal"; exit 143' TERM INT

section() { printf '\n===== %s (%s UTC)\n' "$*" "$(date -u +%H:%M:%S)" >> "$logf"; }

# step NAME TIMEOUT_S COMMAND...: runs it unless STEPS excludes it or the budget is
# spent; its output goes to log.txt (the last lines to stdout too); packs afterwards.
step() {
    local name="$1" limit="$2" left rc t0 t1 cur
    shift 2
    if [ -n "$only_steps" ] && [[ ",$only_steps," != *",$name,"* ]]; then
        return 0
    fi
    left=$((start_s + budget_s - $(date +%s)))
    if [ "$left" -lt 15 ]; then
        note "$name: SKIPPED (budget of ${budget_s} s spent)"
        return 0
    fi
    [ "$limit" -gt "$left" ] && limit=$left
    section "$name (timeout ${limit} s): $*"
    cur="$work/current.txt"
    t0=$(date +%s.%N)
    timeout -k 5 "$limit" "$@" > "$cur" 2>&1
    rc=$?
    t1=$(date +%s.%N)
    cat "$cur" >> "$logf"
    tail -n 4 "$cur" | cut -c1-400
    rm -f "$cur"
    local secs
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    case $rc in
        0) note "$name: ok (${secs} s)" ;;
        124 | 137) note "$name: TIMED OUT after ${limit} s (exit $rc)"; failures=$((failures + 1)) ;;
        *) note "$name: FAILED (exit $rc, ${secs} s)"; failures=$((failures + 1)) ;;
    esac
    pack
}

bench_case() { # id timeout
    step "bench_$1" "$2" "$bin" bench --suite standard --only "$1" --out "$work/bench_$1.json"
}

profile_model() { # model timeout
    step "profile_$1" "$2" "$bin" profile "models/$1.toml" --steps 2000 --json "$work/profile_$1.json"
}

# --- the binaries ------------------------------------------------------------------
note "device check started $(date -u '+%Y-%m-%d %H:%M:%S') UTC in $PWD; results in $out"
if [ -d .gl ] && ls .gl/*.deb > /dev/null 2>&1; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
    note "unpacked the carried .gl/*.deb (Vulkan loader)"
fi
if [ ! -x "$bin" ]; then
    note "ERROR: $bin is missing: carry target/release/neurodyn (see this script's header)"
    exit 2
fi
section "ldd"
missing=0
for b in "$bin" "$examples/microcircuit" "$examples/reward_conditioning"; do
    [ -x "$b" ] || { note "note: $b not carried: its steps will fail"; continue; }
    { echo "-- ldd $b"; ldd "$b" 2>&1; } >> "$logf"
    if ldd "$b" 2>&1 | grep -q 'not found'; then
        note "ERROR: $b needs libraries this machine lacks: $(ldd "$b" 2>&1 | awk '/not found/ {print $1}' | tr '\n' ' ')"
        missing=1
    fi
    if ldd "$b" 2>&1 | grep -qi hdf5; then
        note "warning: $b links libhdf5 (a --features sonata build); build with --bins --examples alone"
    fi
done
if [ "$missing" = 1 ]; then
    note "ERROR: rebuild without --features sonata (cargo build --release --bins --examples) and carry again"
    exit 2
fi

# --- the machine -------------------------------------------------------------------
icd_dirs="/usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d"
lib_dirs="/usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/nvidia/lib"
section "machine"
{
    date -u
    uname -a
    echo "-- nvidia-smi"
    nvidia-smi || echo "no nvidia-smi"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit --format=csv 2>&1
    echo "-- CPU"; grep -m1 'model name' /proc/cpuinfo; nproc
    echo "-- memory"; grep MemTotal /proc/meminfo
    echo "-- vulkan loader"; ldconfig -p | grep -i libvulkan || echo "none in ldconfig"
    for d in $icd_dirs; do echo "-- ICD files in $d"; ls -l "$d" 2>&1 && cat "$d"/*nvidia* 2>/dev/null; done
    echo "-- NVIDIA libraries in ldconfig"
    ldconfig -p | grep -Ei 'libGLX_nvidia|libEGL_nvidia|libnvidia-vulkan-producer|libnvidia-glcore|libcuda.so' || echo "none"
    for d in $lib_dirs; do
        echo "-- in $d"
        ls "$d"/libGLX_nvidia* "$d"/libEGL_nvidia* "$d"/libnvidia-vulkan-producer* 2>/dev/null || echo "none"
    done
    echo "-- neurodyn"; "$bin" --version
} >> "$logf" 2>&1

# A loader: the system's, else the carried one.
if ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
    if [ -e "$PWD/bench/device/lib/libvulkan.so.1" ]; then
        export LD_LIBRARY_PATH="$PWD/bench/device/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        note "no libvulkan.so.1 in ldconfig: using the carried bench/device/lib/libvulkan.so.1"
    else
        note "warning: no libvulkan.so.1 in ldconfig and none carried in bench/device/lib"
    fi
fi
# NVIDIA's user-space libraries outside ldconfig's cache (as the container toolkit mounts them).
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
    [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done

# NVIDIA's ICD file: the installed one, else one written for the driver's library.
icd=""
for d in $icd_dirs; do
    for f in "$d"/nvidia*.json; do
        [ -e "$f" ] && { icd="$f"; break 2; }
    done
done
if [ -z "$icd" ]; then
    glx=$(ldconfig -p | awk '/libGLX_nvidia\.so\.0 / {print $NF; exit}')
    [ -z "$glx" ] && glx=$(ldconfig -p | awk '/libEGL_nvidia\.so\.0 / {print $NF; exit}')
    if [ -z "$glx" ]; then
        for d in $lib_dirs; do
            for f in "$d"/libGLX_nvidia.so.0 "$d"/libEGL_nvidia.so.0; do
                [ -e "$f" ] && { glx="$f"; break 2; }
            done
        done
    fi
    if [ -n "$glx" ]; then
        icd="$work/nvidia_icd.json"
        printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' \
            "$glx" > "$icd"
        note "no NVIDIA ICD file installed: wrote $icd for $glx"
    fi
fi
if [ -n "$icd" ]; then
    # Only NVIDIA's driver: no lavapipe beside it (VK_DRIVER_FILES for new loaders).
    export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
    note "Vulkan ICD: $icd"
else
    note "warning: no NVIDIA ICD file and no libGLX_nvidia/libEGL_nvidia found"
fi
export WGPU_BACKEND=vulkan
[ "$require_nvidia" = 1 ] && export NEURODYN_ADAPTER=NVIDIA
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$parent}"
{
    echo "-- environment"
    env | grep -E '^(VK_|WGPU_|NEURODYN_|LD_LIBRARY_PATH|LP_NUM_THREADS)' | sort
} >> "$logf"

# --- the adapters --------------------------------------------------------------------
section "neurodyn devices"
devices=$(timeout -k 5 60 "$bin" devices 2>&1)
devices_rc=$?
echo "$devices" >> "$logf"
echo "$devices" > "$work/devices.txt"
note "devices (exit $devices_rc):"
echo "$devices" | sed 's/^/    /' | tee -a "$steps_f"
chosen=$(echo "$devices" | grep '^\*' || true)
if ! echo "$chosen" | grep -qi nvidia; then
    if [ "$require_nvidia" = 1 ]; then
        note "!!!!! NO NVIDIA ADAPTER chosen by neurodyn (chosen: ${chosen:-none}). Stopping:"
        note "!!!!! benchmarking lavapipe/llvmpipe here is pointless. See log.txt's machine"
        note "!!!!! section (ICD files, libGLX_nvidia, loader) for why the driver was not found."
        exit 3
    fi
    note "warning: no NVIDIA adapter; REQUIRE_NVIDIA=0, so going on with: ${chosen:-none}"
fi
if [ "${DRY:-0}" = 1 ]; then
    note "DRY=1: the checks only, no measurements"
    exit 0
fi

# --- the measurements, most valuable first -----------------------------------------
# The full-scale microcircuit (77,169 neurons, ~3·10^8 synapses) built on the device:
# its real-time factor is the headline figure.
bench_case microcircuit_1_built 90
# Where its time goes: per-kernel GB/s against the copy bandwidth at a size that
# fills the GPU (1000 steps plain, then 1000 timed).
step profile_microcircuit_1_built 75 "$examples/microcircuit" --scale 1 --seeds 1 \
    --built-on-device --profile 1000
for model in cuba coba cobahh brunel izhikevich2007; do
    profile_model "$model" 25
done
# The standard cases peers are compared on, then the large and plastic ones.
for c in cuba coba cobahh brunel_12500; do
    bench_case "$c" 30
done
bench_case brunel_1000000 60
bench_case brunel_100000_procedural 40
bench_case izhikevich2007 30
bench_case izhikevich2006 30
# Rates against NEST's published ones after a transient (1 s measured).
step microcircuit_1_built_rates 75 "$examples/microcircuit" --scale 1 --seeds 1 \
    --transient-ms 100 --duration-ms 1000 --built-on-device
bench_case brunel_100000 60
bench_case microcircuit_1_procedural 60
bench_case microcircuit_0.1 30
bench_case brunel_4000000 75
# Drawn on the host: its build time against the device build above.
bench_case microcircuit_1 120
step conditioning_10min 90 "$examples/reward_conditioning" --minutes 10

note "done in $(( $(date +%s) - start_s )) s; $failures step(s) failed or timed out"
[ "$failures" = 0 ]
