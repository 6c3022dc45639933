"""What the NEST comparison scripts (nest_neurons.py, nest_synapses.py) share: their command
line, NEST imported quietly, a model file written from Python values, and one `neurodyn run`
of it on the CPU reference."""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def parser(doc):
    """The scripts' flags: --neurodyn and --out (the first paragraph of `doc` describes it)."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--neurodyn", type=Path, default=ROOT / "target/release/neurodyn",
                    help="the neurodyn binary (default: target/release/neurodyn of this repository)")
    ap.add_argument("--out", type=Path, default=None,
                    help="scratch folder for the model files and outputs (default: a temporary one)")
    return ap


def quiet_nest(args):
    """NEST, imported with its banner and messages off, once the binary is known to exist."""
    if not args.neurodyn.is_file():
        sys.exit(f"no neurodyn binary at {args.neurodyn} (cargo build --release, or --neurodyn PATH)")
    os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        import nest
    except ImportError:
        sys.exit("NEST is not importable: run with bench/peers/.venv/bin/python (bench/peers/setup.sh)")
    nest.verbosity = nest.VerbosityLevel.ERROR
    return nest


def toml_value(v):
    """A Python value as TOML (a dict as an inline table; a key's trailing `_`, which
    Python needs for keywords such as `lambda_`, dropped)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, np.floating, np.integer)):
        return repr(float(v))
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k.rstrip('_')} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def report(header, rows, notes, failed):
    """Prints the Markdown table (`header` is its first line), the numbered notes under it,
    and exits 1 naming the cases in `failed` if there are any."""
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    print("\n".join(rows))
    print()
    for k, text in enumerate(notes, 1):
        print(f"[{k}] {text}")
    if failed:
        print(f"\nOutside tolerance: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


def run_model(binary, text, folder, out_name):
    """Writes `text` to folder/model.toml, runs it with `neurodyn run --backend cpu` into
    folder/out_name and returns that folder; exits with neurodyn's message if it fails."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.toml"
    path.write_text(text)
    env = dict(os.environ)
    env.setdefault("XDG_RUNTIME_DIR", "/tmp")
    out = folder / out_name
    r = subprocess.run([str(binary), "run", str(path), "--backend", "cpu", "--out", str(out),
                        "--no-plot", "-q"], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"neurodyn failed on {path} (exit {r.returncode}):\n{r.stdout}{r.stderr}")
    return out
