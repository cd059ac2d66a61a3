#!/usr/bin/env bash
# bayes_mmm's one entry point. From a fresh clone:
#   ./dev.sh demo [--out DIR ...]   set up .venv if needed, fit the bundled demo data
#   ./dev.sh test [pytest args]     set up .venv if needed, run the test suite
# Set-up: finds Python >= 3.12 (PATH, then pyenv), creates .venv, installs the package with
# its test extras; it re-installs only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
  local cand
  for cand in "${BAYES_MMM_PYTHON:-}" python3.13 python3.12 python3 \
      "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] \
      /usr/bin/python3.1[2-9]; do
    [ -n "$cand" ] || continue
    command -v "$cand" >/dev/null 2>&1 || [ -x "$cand" ] || continue
    if "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$cand" 2>/dev/null || echo "$cand"
      return 0
    fi
  done
  return 1
}

ensure_venv() {
  local stamp=.venv/.bayes_mmm-installed want
  want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
  if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  local py
  if ! py=$(find_python); then
    echo "error: bayes_mmm needs Python >= 3.12 (PyMC 6 requires it) and none was found." >&2
    echo "  Looked on PATH (python3.13, python3.12, python3) and in ~/.pyenv/versions/3.12*." >&2
    echo "  Install one (e.g. 'pyenv install 3.12') or set BAYES_MMM_PYTHON=/path/to/python3.12." >&2
    exit 1
  fi
  echo "[dev.sh] setting up .venv with $py ($("$py" --version 2>&1))" >&2
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  .venv/bin/python -m pip install --quiet -e ".[test]" >&2
  # byte-code, as a non-editable install writes it: otherwise the first command compiles the
  # package's modules, and every command does where PYTHONDONTWRITEBYTECODE is set (~0.07 s)
  .venv/bin/python -m compileall -q bayes_mmm >&2 || true
  echo "$want" > "$stamp"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  demo)
    ensure_venv
    args=("$@")
    [[ " ${args[*]:-} " == *" --out "* ]] || args+=(--out demo_out)
    exec .venv/bin/bayes-mmm demo "${args[@]}"
    ;;
  test)
    ensure_venv
    # pytest-xdist: one worker per core up to 4 (compiling and Python-bound tests use one core
    # each; 2 workers take CI's suite from ~13 to ~9 minutes). BAYES_MMM_TEST_WORKERS or a
    # later -n (e.g. -n 0) overrides it; files stay whole on one worker (--dist loadfile).
    workers="${BAYES_MMM_TEST_WORKERS:-$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}"
    [ "$workers" -gt 4 ] && workers=4
    [ "$workers" -lt 2 ] && workers=0  # one core: no worker process, the tests run here
    exec .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
    ;;
  setup)
    ensure_venv
    ;;
  *)
    echo "usage: ./dev.sh demo [--out DIR ...] | ./dev.sh test [pytest args] | ./dev.sh setup" >&2
    exit 2
    ;;
esac
