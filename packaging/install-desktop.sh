#!/usr/bin/env bash
# Put GAN Studio in the desktop's application menu: .desktop entry, AppStream metainfo and icons.
#   packaging/install-desktop.sh [GAN_STUDIO_EXE]    # default: gan-studio on PATH; PREFIX=~/.local
# Use the venv's bin/gan-studio or the bundle's dist/gan-studio/gan-studio; the entry runs it by absolute path.
# Undo with: packaging/install-desktop.sh --uninstall
set -euo pipefail
cd "$(dirname "$0")/.."
APP_ID=org.ganstudio.GANStudio
share=${PREFIX:-$HOME/.local}/share
files=("applications/$APP_ID.desktop" "metainfo/$APP_ID.metainfo.xml" "icons/hicolor/scalable/apps/$APP_ID.svg")
for png in resources/icons/hicolor/*/apps/$APP_ID.png; do files+=("${png#resources/}"); done

if [ "${1:-}" = "--uninstall" ]; then
  for f in "${files[@]}"; do rm -f "$share/$f"; done
else
  exe=$(realpath "${1:-$(command -v gan-studio)}")
  [ -x "$exe" ] || { echo "install-desktop: $exe is not executable" >&2; exit 2; }
  install -d "$share/applications" "$share/metainfo" "$share/icons/hicolor/scalable/apps"
  sed -e "s|^Exec=gan-studio|Exec=$exe|" -e "s|^TryExec=gan-studio|TryExec=$exe|" \
    "resources/$APP_ID.desktop" >"$share/applications/$APP_ID.desktop"
  install -m 644 "resources/$APP_ID.metainfo.xml" "$share/metainfo/"
  install -m 644 "resources/icons/$APP_ID.svg" "$share/icons/hicolor/scalable/apps/"
  for png in resources/icons/hicolor/*/apps/$APP_ID.png; do install -D -m 644 "$png" "$share/${png#resources/}"; done
  echo "install-desktop: installed ${#files[@]} files under $share (Exec=$exe)"
fi
command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
