#!/usr/bin/env bash
# Builds the Debian package with the Tauri bundler (the npm @tauri-apps/cli; its
# prebuilt binary installs with `npm ci` in ui/). Release build with embedded assets.
#
#   scripts/bundle.sh        → <target>/release/bundle/deb/Traycal_<version>_amd64.deb
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
[ -d ui/node_modules ] || (cd ui && npm ci --no-audit --no-fund --loglevel=error)
[ -f ui/dist/index.html ] || (cd ui && npm run build)
ui/node_modules/.bin/tauri build --bundles deb --ci
target="${CARGO_TARGET_DIR:-$repo/target}"
deb=$(ls -t "$target"/release/bundle/deb/*.deb | head -n 1)
echo "bundle: $deb ($(du -h "$deb" | cut -f1))"
# The package must hold both programs (the tray and the windows), the desktop entry
# and the icon.
contents=$(dpkg-deb -c "$deb")
for want in usr/bin/traycal-app usr/bin/traycal-window usr/share/applications/Traycal.desktop usr/share/icons/hicolor; do
  grep -q "$want" <<<"$contents" || { echo "bundle: $deb lacks $want" >&2; exit 1; }
done
dpkg-deb -f "$deb" Package Version Depends
