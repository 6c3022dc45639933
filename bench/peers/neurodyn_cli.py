"""What the NEST comparison scripts (nest_neurons.py, nest_synapses.py) share: a model file
written from Python values, and one `neurodyn run` of it on the CPU reference."""
import json
import os
import subprocess
import sys

import numpy as np


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
