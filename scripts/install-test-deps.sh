#!/usr/bin/env bash
# Installs the local Lambda API peer the integration tests run against: moto in server
# mode, from PyPI, into <repo>/.venv-moto. Idempotent: a second run only checks the
# installation (well under a second).
#
# Needs python3 (override with PYTHON=...) and network access to PyPI on the first run.
# The tests use <repo>/.venv-moto/bin/python unless LAMBDA_TEST_PYTHON names another
# interpreter that has these packages.
#
# Normally a virtualenv is created. Where `python3 -m venv` is unavailable (e.g. a
# Debian python3 without python3-venv), the packages go to .venv-moto/site-packages with
# `pip install --target` and .venv-moto/bin/python is a small wrapper script.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"
VENV="$ROOT/.venv-moto"
REQS="$ROOT/scripts/test-requirements.txt"
# Fallback when the pinned set does not install (e.g. another Python version).
TOP_LEVEL=(moto==5.2.5 flask==3.1.3 flask-cors==6.0.5 docker==7.2.0)
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.installed"

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "install-test-deps: '$PYTHON' not found; install Python 3 (3.9 or newer) first" >&2
  exit 1
fi

want_stamp() {
  {
    "$PYTHON" -c 'import sys; print(sys.version)'
    cat "$REQS"
  } | cksum
}

check() {
  [ -x "$VENV/bin/python" ] &&
    "$VENV/bin/python" -c 'import moto, flask, flask_cors, docker, moto.server; assert moto.__version__ == "5.2.5", moto.__version__' \
      >/dev/null 2>&1
}

WANT="$(want_stamp)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && check; then
  echo "install-test-deps: $VENV is up to date"
  exit 0
fi

start=$(date +%s)
rm -rf "$VENV"

install_into() { # pip-runner... -- extra pip args
  if ! "$@" -q -r "$REQS"; then
    echo "install-test-deps: the pinned set did not install; trying the top-level pins" >&2
    "$@" -q "${TOP_LEVEL[@]}"
  fi
}

if "$PYTHON" -m venv "$VENV" >/dev/null 2>&1 && [ -x "$VENV/bin/python" ] &&
  "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  echo "install-test-deps: installing into the virtualenv $VENV"
  install_into "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input
else
  echo "install-test-deps: python3 -m venv unavailable; using pip install --target" >&2
  rm -rf "$VENV"
  mkdir -p "$VENV/bin" "$VENV/site-packages"
  install_into "$PYTHON" -m pip install --disable-pip-version-check --no-input \
    --target "$VENV/site-packages"
  PY_ABS="$(command -v "$PYTHON")"
  cat >"$VENV/bin/python" <<EOF
#!/bin/sh
PYTHONPATH="$VENV/site-packages\${PYTHONPATH:+:\$PYTHONPATH}" exec "$PY_ABS" "\$@"
EOF
  chmod +x "$VENV/bin/python"
fi

if ! check; then
  echo "install-test-deps: the installed packages do not import; see the pip output above" >&2
  exit 1
fi
echo "$WANT" >"$STAMP"
echo "install-test-deps: done in $(($(date +%s) - start)) s"
"$VENV/bin/python" -c 'from importlib.metadata import version as v
print(" ".join(f"{p}=={v(p)}" for p in ("moto", "flask", "flask-cors", "docker")))'
