#!/usr/bin/env bash
# Creates bench/peers/.venv with the pinned peer simulators (Brian2, NEST 3).
# Brian2's C++ standalone mode also needs a C++ compiler (g++) on PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
if [ ! -x "$here/.venv/bin/python" ]; then
    "$python" -m venv "$here/.venv"
fi
"$here/.venv/bin/python" -m pip install --upgrade pip
"$here/.venv/bin/python" -m pip install -r "$here/requirements.txt"
command -v g++ >/dev/null || echo "warning: g++ not found; Brian2's cpp_standalone device needs it" >&2
"$here/.venv/bin/python" - <<'PY'
import brian2, nest, numpy
print("brian2", brian2.__version__, "| nest", nest.__version__, "| numpy", numpy.__version__)
PY
