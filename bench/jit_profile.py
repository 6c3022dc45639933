#!/usr/bin/env python3
"""Where lavapipe spends a kernel's time, instruction by instruction.

lavapipe (Mesa's CPU Vulkan driver) compiles each compute shader to x86 code at run
time, in anonymous memory that `perf` cannot name. This script runs a neurodyn command
on one pinned lavapipe thread, copies the process's anonymous executable mappings
(the shaders' machine code) out of /proc/PID/mem, samples the process with
`perf record`, and maps the samples onto the copied code:

- the share of the samples in the JIT code, the kernel and each library;
- each JIT function (one per compute pipeline and per helper, told apart by the
  `push %rbp` that starts each; approximate), its instructions, samples and integer
  divisions (`div`, which gallivm emits lane by lane for a vector's division);
- within each function, the share of its samples in the loops over the SIMD lanes
  that Mesa 22.3's gallivm emits for every storage-buffer access (a mask and a bounds
  test per lane), found by a heuristic: a short loop whose counter is compared with 8;
- an annotated disassembly per hot region (samples per instruction) under OUT.

Usage (root, or a ptrace-permitting kernel; needs perf and objdump):

    bench/jit_profile.py --out /tmp/jit -- target/release/neurodyn run models/brunel.toml \
        --duration 5000 --no-plot -q --out /tmp/jit/run

The command runs with `LP_NUM_THREADS=1` (one worker thread, `--threads` to change)
and, with lavapipe's other threads, pinned to one core (`--cpu`): the samples in the
OS kernel then include the switches between the threads that each dispatch's hand-off
costs. The command should run for longer than --wait plus --seconds. Which function is which
kernel is not recorded by lavapipe: tell them apart by size and by what their loops
load (the annotated disassembly), or by profiling a model whose kernels differ.
"""

import argparse
import collections
import os
import re
import subprocess
import sys
import time

INSTRUCTION = re.compile(r"\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*(.*)")


def dump_jit_regions(pid, out):
    """Copies every anonymous executable mapping of `pid` into OUT/r_<start>.bin."""
    regions = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
        for line in maps:
            fields = line.split()
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            name = fields[5] if len(fields) > 5 else ""
            if "x" not in fields[1] or (name and not name.startswith("[anon")):
                continue
            mem.seek(lo)
            try:
                data = mem.read(hi - lo)
            except OSError:
                continue
            path = os.path.join(out, f"r_{lo:x}.bin")
            with open(path, "wb") as f:
                f.write(data)
            regions.append((lo, hi, path))
    return regions


def disassemble(lo, path):
    """(address, mnemonic and operands) of each instruction of a copied region."""
    text = subprocess.run(
        ["objdump", "-D", "-b", "binary", "-mi386:x86-64", f"--adjust-vma={lo:#x}", path],
        capture_output=True, text=True, check=True,
    ).stdout
    rows = []
    for line in text.splitlines():
        m = INSTRUCTION.match(line)
        # A long instruction's bytes continue on a line of their own, without text.
        if m and m.group(3).strip():
            rows.append((int(m.group(1), 16), m.group(3).strip()))
    return rows


def loops(rows):
    """(target, address) of each backward jump: the loops (nested ones overlap)."""
    found = []
    for address, text in rows:
        m = re.match(r"j\w+\s+0x([0-9a-f]+)", text)
        if m and int(m.group(1), 16) < address:
            found.append((int(m.group(1), 16), address))
    return found


def report_function(rows, counts, total):
    samples = sum(counts.get(a, 0) for a, _ in rows)
    divisions = sum(1 for _, t in rows if re.match(r"i?div[lqw]?\s", t))
    # gallivm's lane loops count 8 lanes: `cmp $0x8,%reg` before the back edge.
    lane = set()
    for start, end in loops(rows):
        body = [(a, t) for a, t in rows if start <= a <= end]
        counts_lanes = any(re.match(r"cmp\s+\$0x8,%(e[a-z]{2}|r\d+d)$", t) for _, t in body)
        if counts_lanes and len(body) < 80:
            lane.update(a for a, _ in body)
    in_lane = sum(counts.get(a, 0) for a in lane)
    print(
        f"  function {rows[0][0]:#x}: {len(rows)} instructions, {samples} samples "
        f"({100 * samples / total:.1f}% of all), {divisions} integer divisions, "
        f"{100 * in_lane / max(samples, 1):.0f}% of its samples in loops over the lanes "
        f"(heuristic)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="directory for the copies and reports")
    parser.add_argument("--wait", type=float, default=6.0, help="seconds before sampling")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds sampled")
    parser.add_argument("--cpu", default="1", help="the core the command is pinned to")
    parser.add_argument("--threads", default="1", help="LP_NUM_THREADS for the command")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")
    os.makedirs(args.out, exist_ok=True)
    env = dict(os.environ, LP_NUM_THREADS=args.threads)
    proc = subprocess.Popen(["taskset", "-c", args.cpu, *command], env=env,
                            stdout=subprocess.DEVNULL)
    data = os.path.join(args.out, "perf.data")
    try:
        time.sleep(args.wait)
        if proc.poll() is not None:
            sys.exit("the command ended before sampling: make it run longer")
        regions = {lo: (hi, path) for lo, hi, path in dump_jit_regions(proc.pid, args.out)}
        subprocess.run(["perf", "record", "-q", "-F", "4999", "-p", str(proc.pid),
                        "-o", data, "--", "sleep", str(args.seconds)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Code compiled while sampling (a later pipeline) is copied too.
        regions.update(
            {lo: (hi, path) for lo, hi, path in dump_jit_regions(proc.pid, args.out)})
    finally:
        proc.kill()
        proc.wait()
    script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,dso"],
                            capture_output=True, text=True, check=True).stdout

    counts = collections.Counter()
    places = collections.Counter()
    total = 0
    for line in script.splitlines():
        fields = line.split()
        if not fields:
            continue
        ip = int(fields[0], 16)
        total += 1
        region = next((lo for lo, (hi, _) in regions.items() if lo <= ip < hi), None)
        if region is None:
            places[" ".join(fields[1:]).strip("()")] += 1
        else:
            counts[ip] += 1
            places["JIT code"] += 1
    print(f"{total} samples of `{' '.join(command)}` on one lavapipe thread")
    for place, n in places.most_common(8):
        print(f"{100 * n / total:6.1f}%  {place}")

    for lo, (hi, path) in sorted(regions.items()):
        samples = sum(n for ip, n in counts.items() if lo <= ip < hi)
        if samples < 0.02 * total:
            continue
        rows = disassemble(lo, path)
        annotated = os.path.join(args.out, f"annotated_{lo:x}.txt")
        with open(annotated, "w") as f:
            for address, text in rows:
                f.write(f"{counts.get(address, 0):7d}  {address:x}  {text}\n")
        print(f"region {lo:#x} ({hi - lo} bytes): {samples} samples, {annotated}")
        starts = [0] + [i for i, (_, t) in enumerate(rows) if t.startswith("push   %rbp")]
        for a, b in zip(starts, starts[1:] + [len(rows)]):
            if a == b:
                continue
            function = rows[a:b]
            if sum(counts.get(x, 0) for x, _ in function) >= 0.02 * total:
                report_function(function, counts, total)


if __name__ == "__main__":
    main()
