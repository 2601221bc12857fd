#!/usr/bin/env bash
# Build the wheel, install it into a fresh venv, and run the installed app from outside the repository.
#   packaging/test-wheel.sh                  # VENV=build/fresh-venv, recreated each time (~6 GB, torch from disk)
#   KEEP_VENV=1 packaging/test-wheel.sh      # reuse the venv's dependencies; the wheel is always reinstalled
# Uses pip like ./studio does (torch 2.14.1 comes from this machine's disk through pip's settings).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
VENV=${VENV:-build/fresh-venv}

t0=$(date +%s)
rm -rf build/lib build/bdist.* dist/gan_studio-*.whl
# Build with the venv's setuptools when it is new enough (no download); else pip fetches one for the build.
iso=--no-build-isolation
"$PY" -c "import setuptools as s, sys; sys.exit(tuple(map(int, s.__version__.split('.')[:2])) < (70, 1))" || iso=
"$PY" -m pip wheel -q --no-deps $iso -w dist .
wheel=$(ls dist/gan_studio-*.whl)
echo "wheel: $wheel, $(du -h "$wheel" | cut -f1), built in $(( $(date +%s) - t0 )) s"
"$PY" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = ["gan_studio/_models/stylegen-faces-64/card.json", "gan_studio/_models/stylegen-faces-64/generator.safetensors",
        "gan_studio/_models/featurenet-emoji-64/classifier.safetensors",
        "gan_studio/_resources/org.ganstudio.GANStudio.desktop",
        "gan_studio/_resources/icons/org.ganstudio.GANStudio.svg"]
missing = [n for n in need if n not in names]
training_only = [n for n in names if n.endswith("train-state.pt")]
if missing or training_only:
    sys.exit(f"wheel: missing {missing}, training-only files {training_only}")
print(f"wheel: {len(names)} files; models and resources present, training state left out")
PY

if [ -z "${KEEP_VENV:-}" ] || [ ! -x "$VENV/bin/python" ]; then
  rm -rf "$VENV"
  "$(command -v python3.11 || command -v python3)" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
t1=$(date +%s)
"$VENV/bin/python" -m pip install -q "$wheel"
"$VENV/bin/python" -m pip install -q --no-deps --force-reinstall "$wheel"
echo "venv: installed in $(( $(date +%s) - t1 )) s; $(du -sh "$VENV" | cut -f1)"

venv_abs=$(cd "$VENV" && pwd)
packaging/check-installed.sh "$venv_abs/bin/gan-studio" "$venv_abs/bin/python" "$PWD/packaging/smoke_gui.py"
echo "test-wheel: OK in $(( $(date +%s) - t0 )) s"
