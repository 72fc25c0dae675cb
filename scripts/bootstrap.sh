#!/usr/bin/env bash
# Create .venv with a Python >= 3.12 and install the project (and its test tools).
# Usage: scripts/bootstrap.sh [extras]   e.g. scripts/bootstrap.sh dev
# Finds an interpreter by itself: $PYTHON if set, then python3.13 / python3.12 / python3 on PATH,
# then any pyenv-installed 3.12+; says what to install when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-}"
VENV=.venv

ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
  local c
  if [ -n "${PYTHON:-}" ]; then
    ok "$PYTHON" && { echo "$PYTHON"; return; }
    echo "PYTHON=$PYTHON is not Python >= 3.12" >&2; exit 1
  fi
  for c in python3.13 python3.12 python3; do
    if command -v "$c" >/dev/null 2>&1 && ok "$c"; then command -v "$c"; return; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for c in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])' | sort -rV); do
      local exe; exe="$(pyenv root)/versions/$c/bin/python3"
      if [ -x "$exe" ] && ok "$exe"; then echo "$exe"; return; fi
    done
  fi
  for c in /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
    if [ -x "$c" ] && ok "$c"; then echo "$c"; return; fi
  done
  cat >&2 <<MSG
alliance-sim needs Python >= 3.12 (Mesa 3.5 requires it) and none was found.
Install one, e.g. 'pyenv install 3.12', 'apt-get install python3.12 python3.12-venv',
or 'uv python install 3.12', then run this again (or set PYTHON=/path/to/python3.12).
MSG
  exit 1
}

if [ -x "$VENV/bin/python" ] && ok "$VENV/bin/python"; then
  PY="$VENV/bin/python"
else
  rm -rf "$VENV"
  BASE="$(find_python)"
  echo "Creating $VENV with $BASE ($("$BASE" --version))"
  "$BASE" -m venv "$VENV"
  PY="$VENV/bin/python"
fi
STAMP="$VENV/.installed-${EXTRAS:-base}"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  "$PY" -m pip install --quiet --upgrade pip
  if [ -n "$EXTRAS" ]; then
    "$PY" -m pip install --quiet -e ".[$EXTRAS]"
  else
    "$PY" -m pip install --quiet -e .
  fi
  touch "$STAMP"
fi
# the compiled engine's kernels: compiled once after an install (numba caches them on disk), in
# two processes at once (12-15 s on 2 idle cores), so that the first run does not wait; a
# second call loads the cache in a second or two
"$PY" -c "from sim.runner.simulate import warm_kernels; warm_kernels()"
