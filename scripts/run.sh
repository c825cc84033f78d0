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
  ui="$repo/ui"
  # The UI is built only when its inputs changed: the app embeds ui/dist, so a fresh
  # vite build (new files, new mtimes) would make cargo rebuild the app for minutes.
  inputs_hash() {
    local p inputs=()
    for p in src index.html package.json package-lock.json vite.config.ts \
        svelte.config.js tsconfig.json public; do
      [ -e "$ui/$p" ] && inputs+=("$p")
    done
    (cd "$ui" && find "${inputs[@]}" -type f -print0 | LC_ALL=C sort -z \
        | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
  }
  stamp="$ui/dist/.inputs"
  if [ ! -d "$ui/node_modules" ] || [ "$ui/package-lock.json" -nt "$ui/node_modules/.package-lock.json" ]; then
    echo "==> [run.sh] UI dependencies (npm ci)"
    (cd "$ui" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  want=$(inputs_hash)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> [run.sh] UI (vite build)"
    (cd "$ui" && npm run build)
    echo "$want" > "$stamp"
  else
    echo "==> [run.sh] UI unchanged since its last build"
  fi
  echo "==> [run.sh] building the tray app (release; the first build takes 20-30 minutes on"
  echo "    2 cores, later ones only what changed)"
  # Both programs: traycal-app (the tray) starts traycal-window for the windows; the
  # command line `traycal` shares their data.
  cargo build --release -p traycal-app -p traycal-cli
  echo "==> [run.sh] starting Traycal: it lives in the tray (a StatusNotifierItem host:"
  echo "    KDE, XFCE, Cinnamon, MATE, GNOME with the AppIndicator extension); on first run"
  echo "    the welcome window opens. The command line: $target_dir/release/traycal --help"
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
