#!/usr/bin/env bash
# Makes the Python virtual environment the interop tests use: `.venv` in the repository root with
# Flask 3.1.x (the Flask format's tests) and `cryptography` (an independent AES-GCM-SIV and HKDF
# for the encrypted format's golden vectors, tests/sealed_vectors.rs) from PyPI. Idempotent: an
# existing venv that already imports both is kept.
#
#   bash scripts/setup-python.sh          # then: cargo test --workspace --all-features
#
# The tests find the interpreter through FLASK_PYTHON or `.venv/bin/python`.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys; from importlib.metadata import version; from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV; sys.exit(0 if version("flask").startswith("3.1.") else 1)' 2>/dev/null; then
    echo "setup-python: $VENV already has Flask $("$VENV/bin/python" -c 'import flask; from importlib.metadata import version; print(version("flask"), "and cryptography", version("cryptography"))')"
    exit 0
fi

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "setup-python: $PYTHON not found; install python3 (Debian: apt-get install -y python3 python3-venv)" >&2
    exit 1
fi

# A venv with Flask but without `cryptography` (made before the encrypted format) only needs it
# added.
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys; from importlib.metadata import version; sys.exit(0 if version("flask").startswith("3.1.") else 1)' 2>/dev/null; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "cryptography>=42"
    echo "setup-python: added cryptography $("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("cryptography"))') to $VENV"
    touch build.rs session-cookie/build.rs
    exit 0
fi

rm -rf "$VENV"
if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    # Debian splits venv/ensurepip into python3-venv (python3.X-venv).
    rm -rf "$VENV"
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "setup-python: python3 -m venv failed; installing python3-venv"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        minor="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        apt-get install -y -qq python3-venv || apt-get install -y -qq "python${minor}-venv"
        "$PYTHON" -m venv "$VENV"
    else
        echo "setup-python: '$PYTHON -m venv' failed; install python3-venv" >&2
        exit 1
    fi
fi

# `cryptography` >= 42 has AESGCMSIV (and the HKDF the golden vectors are checked with).
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "flask==3.1.*" "cryptography>=42"
"$VENV/bin/python" - <<'PY'
from importlib.metadata import version
import zlib
print("setup-python: Flask", version("flask"), "itsdangerous", version("itsdangerous"),
      "Werkzeug", version("werkzeug"), "zlib", zlib.ZLIB_RUNTIME_VERSION,
      "cryptography", version("cryptography"))
PY
# The build scripts detect Flask once and cargo caches the answer; a venv that did not exist had
# nothing they could watch, so touching them makes the next `cargo test` look again and run the
# Flask tests instead of reporting them ignored.
touch build.rs session-cookie/build.rs
