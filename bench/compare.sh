#!/usr/bin/env bash
# neurodyn against Brian2 (C++ standalone) and NEST 3 on the standard models, in one
# session on one machine:
#   1. `neurodyn bench --suite standard --seed S --out ...` for each seed, merged into
#      one JSON list;
#   2. bench/peers/run_peers.py on the same models, durations and seeds (brunel_100000
#      only when --only names it);
#   3. bench/peers/compare.py, whose Markdown table is printed and written, under a
#      header recording the machine, the date and the command.
#
# Usage: bench/compare.sh [options]
#   --quick               neurodyn's quick suite (CUBA, COBA 200 ms; Brunel 2,500 100 ms),
#                         seed 1 unless --seeds is given: a smoke test
#   --seeds "1 2 3"       seeds (space- or comma-separated; default 1 2 3)
#   --only IDS            only these cases, e.g. cuba,brunel_12500 (neurodyn's --only);
#                         the peers run brunel_100000 only when it is named here
#   --duration MS         simulated time of every case instead of the suite's (the
#                         peers follow neurodyn's records): for the large cases
#   --backend gpu|cpu     neurodyn's backend (default: neurodyn's own, gpu)
#   --simulators LIST     peers (default brian2-cpp-1thread,brian2-cpp-2threads,
#                         nest-1thread,nest-2threads)
#   --brian-hh-dt-ms X    COBAHH's neuron time step in Brian2 (default 0.1, Brian's example)
#   --neurodyn-bin PATH   use this binary instead of `cargo run --release --`
#   --out-dir DIR         where the JSON, logs and report go
#                         (default bench/out/compare-YYYYmmdd-HHMMSS)
#   -h, --help
#
# Needs bench/peers/.venv (bench/peers/setup.sh) and, for Brian2, g++.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peers="$root/bench/peers"
py="$peers/.venv/bin/python"
command_line="$(printf '%q ' "$0" "$@")"

quick=0
seeds=""
only=""
duration=""
backend=""
simulators="brian2-cpp-1thread,brian2-cpp-2threads,nest-1thread,nest-2threads"
hh_dt=""
neurodyn_bin=""
out_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --seeds) seeds="$2"; shift ;;
        --only) only="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --backend) backend="$2"; shift ;;
        --simulators) simulators="$2"; shift ;;
        --brian-hh-dt-ms) hh_dt="$2"; shift ;;
        --neurodyn-bin) neurodyn_bin="$2"; shift ;;
        --out-dir) out_dir="$2"; shift ;;
        -h|--help) sed -n '2,28p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

suite=standard
if [ "$quick" = 1 ]; then
    suite=quick
    seeds="${seeds:-1}"
fi
seeds="${seeds:-1 2 3}"
seeds="${seeds//,/ }"
seeds_csv="$(echo $seeds | tr ' ' ',')"
out_dir="${out_dir:-$root/bench/out/compare-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out_dir"
report="$out_dir/compare.md"

if [ ! -x "$py" ]; then
    echo "error: $py not found; run bench/peers/setup.sh first" >&2
    exit 1
fi

cd "$root"
if [ -n "$neurodyn_bin" ]; then
    neurodyn=("$neurodyn_bin")
else
    neurodyn=(cargo run --release --quiet --)
    # Build first, so that no bench run waits on the compiler.
    cargo build --release --quiet
fi

# --- machine and session ---------------------------------------------------------
{
    echo "# neurodyn vs Brian2 / NEST"
    echo
    echo "- date: $(date -Is)"
    echo "- command: \`${command_line% }\` (in $root)"
    echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    if command -v lscpu >/dev/null; then
        echo "- cores: $(nproc) logical CPUs available; $(lscpu | awk -F: '/^Socket\(s\)|^Core\(s\) per socket|^Thread\(s\) per core/{gsub(/^ +/,"",$2); printf "%s%s: %s", sep, $1, $2; sep="; "}')"
    else
        echo "- cores: $(nproc) logical CPUs available"
    fi
    echo "- memory: $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "- OS: $(uname -srm)$( [ -r /etc/os-release ] && . /etc/os-release && echo ", $PRETTY_NAME")"
    echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- neurodyn: git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)'), $(rustc --version 2>/dev/null || echo 'rustc ?'), bench --suite $suite${backend:+ --backend $backend}${only:+ --only $only}${duration:+ --duration $duration}"
    echo "- peers: $("$py" -c 'import importlib.metadata as m; print(", ".join(f"{p} {m.version(p)}" for p in ("brian2", "nest-simulator", "numpy")))'), $(g++ --version | head -1), simulators $simulators${hh_dt:+, Brian2 COBAHH neuron dt $hh_dt ms}"
    echo "- seeds: $seeds"
    echo
} > "$report"
cat "$report"

# --- 1. neurodyn -----------------------------------------------------------------
nd_args=(bench --suite "$suite")
[ -n "$backend" ] && nd_args+=(--backend "$backend")
[ -n "$only" ] && nd_args+=(--only "$only")
[ -n "$duration" ] && nd_args+=(--duration "$duration")
has_seed=1
"${neurodyn[@]}" bench --help | grep -q -- '--seed' || has_seed=0
nd_files=()
for s in $seeds; do
    f="$out_dir/neurodyn-seed$s.json"
    if [ "$has_seed" = 1 ]; then
        echo "== neurodyn ${nd_args[*]} --seed $s"
        "${neurodyn[@]}" "${nd_args[@]}" --seed "$s" --out "$f" | tee "$out_dir/neurodyn-seed$s.md"
    else
        echo "warning: this neurodyn has no bench --seed; one run with the model files' seed" >&2
        "${neurodyn[@]}" "${nd_args[@]}" --out "$f" | tee "$out_dir/neurodyn.md"
        nd_files+=("$f")
        break
    fi
    nd_files+=("$f")
done
nd_json="$out_dir/neurodyn.json"
"$py" - "$nd_json" "${nd_files[@]}" <<'PY'
import json, sys
out, paths = sys.argv[1], sys.argv[2:]
records = []
for p in paths:
    with open(p) as f:
        data = json.load(f)
    records += data if isinstance(data, list) else [data]
with open(out, "w") as f:
    json.dump(records, f, indent=1)
print(f"{len(records)} neurodyn records in {out}")
PY

# --- 2. peers, same models, durations and seeds ------------------------------------
peer_args=(--like "$nd_json" --seeds "$seeds_csv" --simulators "$simulators" --out "$out_dir/peers.json")
# The ids named with --only reach the peers too: run_peers.py runs brunel_100000 (8.5 GiB
# per NEST run) only when it is named, never because neurodyn's suite has it.
[ -n "$only" ] && peer_args+=(--models "$only")
[ -n "$hh_dt" ] && peer_args+=(--brian-hh-dt-ms "$hh_dt")
echo "== run_peers.py ${peer_args[*]}"
peer_status=0
"$py" "$peers/run_peers.py" "${peer_args[@]}" || peer_status=$?

# --- 3. the table ----------------------------------------------------------------------
{
    echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
} >> "$report"
"$py" "$peers/compare.py" --neurodyn "$nd_json" --peers "$out_dir/peers.json" --out "$out_dir/table.md" >/dev/null
cat "$out_dir/table.md" >> "$report"
echo
cat "$report"
echo
echo "report: $report (raw: $nd_json, $out_dir/peers.json)"
if [ "$peer_status" != 0 ]; then
    echo "warning: some peer runs failed; see $out_dir/peers.json.log" >&2
    exit "$peer_status"
fi
