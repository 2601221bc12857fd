#!/usr/bin/env bash
# Check an installed GAN Studio from outside the repository: version and licences, bundled models, a
# generated PNG with its recipe, and the window opening offscreen and showing a generated image.
#   packaging/check-installed.sh GAN_STUDIO_EXE [GUI_SMOKE_COMMAND...]
# GUI_SMOKE_COMMAND gets the output folder appended (default: GAN_STUDIO_SMOKE_GUI=DIR GAN_STUDIO_EXE).
set -euo pipefail
exe=$(realpath "$1"); shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export GAN_STUDIO_HOME="$work/home" XDG_CONFIG_HOME="$work/config" QT_QPA_PLATFORM=offscreen
unset GAN_STUDIO_BUNDLED_MODELS PYTHONPATH || true
fail() { echo "check: FAIL: $*" >&2; exit 1; }

"$exe" --version >version.txt || fail "--version exited $?"
head -1 version.txt
for want in "stylegen-faces-64" "featurenet-emoji-64" "SIL Open Font License" "Symbola" "Apache-2.0" "MIT"; do
  grep -q "$want" version.txt || fail "--version does not mention $want"
done
"$exe" models list | tee models.txt
grep -q "^stylegen-faces-64 .* bundled" models.txt || fail "stylegen-faces-64 is not listed as bundled"
grep -q "^featurenet-emoji-64 .* bundled" models.txt || fail "featurenet-emoji-64 is not listed as bundled"
"$exe" models show stylegen-faces-64 --json >show.json || fail "models show (sha256 check) failed"
"$exe" generate --model stylegen-faces-64 --seeds 1-2 --psi 0.7 -o out >/dev/null || fail "generate failed"
ls out/*.png >/dev/null 2>&1 || fail "generate wrote no PNG"
"$exe" info "$(ls out/*.png | head -1)" >recipe.txt || fail "info exited $?"
grep -q "stylegen-faces-64" recipe.txt || fail "the PNG has no recipe"
echo "check: generate wrote $(ls out/*.png | wc -l) PNGs with recipes"

if [ $# -gt 0 ]; then "$@" "$work/gui" || fail "GUI smoke test exited $?"
else GAN_STUDIO_SMOKE_GUI="$work/gui" "$exe" || fail "GUI smoke test exited $?"; fi
[ -s "$work/gui/generated.png" ] || fail "the GUI smoke test saved no image"
mkdir -p "${SMOKE_KEEP:-/tmp/gan-studio-smoke}" && cp "$work"/gui/*.png "${SMOKE_KEEP:-/tmp/gan-studio-smoke}/"
echo "check: OK"
