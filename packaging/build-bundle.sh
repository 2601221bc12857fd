#!/usr/bin/env bash
# Build a onedir PyInstaller bundle (dist/gan-studio/) from the installed wheel, then smoke-test it.
#   packaging/test-wheel.sh && packaging/build-bundle.sh
# PyInstaller goes into the wheel-test venv (VENV, default build/fresh-venv), never into the app's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${VENV:-build/fresh-venv}
[ -x "$VENV/bin/gan-studio" ] || { echo "build-bundle: run packaging/test-wheel.sh first (no wheel in $VENV)" >&2; exit 2; }
"$VENV/bin/python" -m pip install -q "pyinstaller>=6.10,<7"

t0=$(date +%s)
mkdir -p build/pyinstaller
# Run from build/ so the repository's own gan_studio/ (without models) is not importable: the wheel's is used.
(cd build/pyinstaller && "$ROOT/$VENV/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" "$ROOT/packaging/gan-studio.spec")
t_build=$(( $(date +%s) - t0 ))
size=$(du -sh dist/gan-studio | cut -f1)
echo "bundle: dist/gan-studio, $size, built in $t_build s"

t1=$(date +%s)
packaging/check-installed.sh dist/gan-studio/gan-studio
echo "bundle: smoke test passed in $(( $(date +%s) - t1 )) s (bundle $size, build $t_build s)"
