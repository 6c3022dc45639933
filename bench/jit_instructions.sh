#!/bin/bash
# Instructions lavapipe's compiled kernels execute, counted exactly by callgrind: a
# measure of a kernel change that the host's load does not blur (wall times on a
# shared 2-core host varied by a third between rounds; these counts repeat to the
# instruction and are linear in the steps run).
#
# Usage: bench/jit_instructions.sh NEURODYN_BIN MODEL_TOML [DURATION_MS]
#
# Runs `NEURODYN_BIN run MODEL_TOML --duration DURATION_MS` (default 100) on one
# lavapipe thread under `valgrind --tool=callgrind` and prints the instruction counts
# of the three costliest functions without a symbol: lavapipe's JIT code, one function
# per compute pipeline (for CUBA the first is the neuron update). Divide by the steps
# run (duration / dt) for instructions per step. Whole-program totals are not
# comparable between runs: they include the host's waits. Needs valgrind; takes about
# a minute per 100 ms of CUBA.
set -euo pipefail
bin=$1
model=$2
duration=${3:-100}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
LP_NUM_THREADS=0 XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} valgrind --tool=callgrind \
    --callgrind-out-file="$out/callgrind.out" \
    "$bin" run "$model" --duration "$duration" --no-plot -q --out "$out/run" > "$out/log" 2>&1 \
    || { cat "$out/log"; exit 1; }
echo "$model, $duration ms: instructions of the costliest JIT functions"
callgrind_annotate --threshold=99 "$out/callgrind.out" | grep -E '\?\?\?:0x' | head -3 | awk '{print "  " $1}'
