#!/usr/bin/env bash
# Install and start Traycal (the README's "install and start" command).
#
#   scripts/run.sh
#
# Today this builds the headless `traycal` command line; the tray app (Tauri shell in
# src-tauri/) lands in the next milestone, and this script starts it once it exists.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

echo "==> [run.sh] system packages"
"$repo/scripts/setup-system.sh"

target_dir="${CARGO_TARGET_DIR:-$repo/target}"

# ---- Tray app branch: taken only once the Tauri shell exists -----------------------
if [ -f "$repo/src-tauri/Cargo.toml" ]; then
  app_pkg=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$repo/src-tauri/Cargo.toml" | head -n 1)
  app_pkg="${app_pkg:-traycal-app}"
  echo "==> [run.sh] building and starting the tray app ($app_pkg, release)"
  exec cargo run --release -p "$app_pkg" -- "$@"
fi
# -------------------------------------------------------------------------------------

echo "==> [run.sh] cargo build --release -p traycal-cli"
cargo build --release -p traycal-cli
bin="$target_dir/release/traycal"

cat <<TEXT

Traycal: the tray app lands in the next milestone; this milestone ships the headless
engine and its command line, built at:

  $bin

Try it (\`$bin --help\` lists every command of this build):
  $bin occurrences FILE.ics --from 2026-01-01 --to 2027-01-01 --count

TEXT

echo "==> [run.sh] traycal --help"
"$bin" --help
echo
echo "==> [run.sh] traycal status"
if ! "$bin" status; then
  echo "(traycal status is not available in this build yet: the sync engine's commands are in progress)"
fi
