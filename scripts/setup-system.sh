#!/usr/bin/env bash
# Install the Debian/Ubuntu packages Traycal needs to build and test. Idempotent: it
# only runs apt-get (update + install) when a package is missing, so on a prepared
# machine it costs a few dpkg look-ups.
#
#   scripts/setup-system.sh              base packages (build, D-Bus, keyring, venv)
#   TRAYCAL_GUI_DEPS=1 scripts/setup-system.sh
#                                        also the Tauri shell's packages (installed
#                                        automatically once src-tauri/Cargo.toml exists)
#
# Runs as root, or through sudo otherwise.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

BASE_PKGS=(
  build-essential pkg-config libssl-dev
  dbus dbus-x11 gnome-keyring libsecret-tools
  python3-venv curl ca-certificates procps
)
# The Tauri 2 tray shell (webview, tray, icons, headless X for E2E tests).
# `file` is used by the Tauri bundler, `dunst` by notification tests
# (see shared/design/PLATFORM-NOTES.md). python3-dbus and python3-gi run the E2E
# tests' notification server and StatusNotifierWatcher (/usr/bin/python3).
GUI_PKGS=(
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  xvfb xauth x11-utils xdotool imagemagick webkit2gtk-driver file dunst
  python3-dbus python3-gi
)

want=("${BASE_PKGS[@]}")
if [ "${TRAYCAL_GUI_DEPS:-0}" = 1 ] || [ -f "$repo/src-tauri/Cargo.toml" ]; then
  want+=("${GUI_PKGS[@]}")
fi

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: no dpkg/apt-get here (not Debian/Ubuntu): install by hand the equivalents of:" >&2
  echo "  ${want[*]}" >&2
  exit 0
fi

installed() {
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

missing=()
for p in "${want[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup-system: all ${#want[@]} system packages present"
else
  echo "setup-system: installing ${#missing[@]} missing package(s): ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup-system: not root and no sudo: install these packages by hand: ${missing[*]}" >&2
    exit 1
  fi
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
fi

# The Rust toolchain itself is not a Debian package: rustup reads rust-toolchain.toml.
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup-system: cargo not found: install rustup (https://rustup.rs); rust-toolchain.toml selects the version" >&2
  exit 1
fi
