#!/usr/bin/env bash
# Install and start Traycal (the README's "install and start" command).
#
#   scripts/run.sh
#
# Installs the system packages, builds the UI and starts the tray app (release build).
# The `traycal` command line shares its data: `cargo run -p traycal-cli -- --help`.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

echo "==> [run.sh] system packages"
"$repo/scripts/setup-system.sh"

target_dir="${CARGO_TARGET_DIR:-$repo/target}"

# ---- The tray app --------------------------------------------------------------------
if [ -f "$repo/src-tauri/Cargo.toml" ]; then
  echo "==> [run.sh] UI (npm ci + vite build)"
  (cd "$repo/ui" && npm ci --no-audit --no-fund --loglevel=error && npm run build)
  echo "==> [run.sh] building and starting the tray app (release; first build takes minutes)"
  echo "    Traycal lives in the tray; on first run the welcome window opens."
  # Both programs: traycal-app (the tray) starts traycal-window for the windows.
  cargo build --release -p traycal-app
  exec "$target_dir/release/traycal-app" "$@"
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
