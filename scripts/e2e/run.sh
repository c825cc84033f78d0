#!/usr/bin/env bash
# End-to-end tests of the real app in a real WebKit webview.
#
# usage: scripts/e2e/run.sh PATH_TO_APP_BINARY
#
# Everything is private to this run: XDG dirs and HOME in a temp dir, Xvfb on a
# free display, a private D-Bus session with gnome-keyring unlocked, a recording
# notification server, a StatusNotifierWatcher (so the tray exports its menu on
# D-Bus), a feed server on 127.0.0.1, and tauri-driver + WebKitWebDriver.
# Screenshots go to $E2E_OUT (default target/e2e).
set -euo pipefail
APP=$(realpath "${1:?usage: run.sh APP_BINARY}")
HERE=$(dirname "$(realpath "$0")")
ROOT=$(realpath "$HERE/../..")
OUT=$(realpath -m "${E2E_OUT:-$ROOT/target/e2e}")
TAURI_DRIVER=${TAURI_DRIVER:-$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")}
[ -x "$TAURI_DRIVER" ] || { echo "e2e: tauri-driver not found (cargo install tauri-driver --locked --version '^2')" >&2; exit 1; }
command -v WebKitWebDriver >/dev/null || { echo "e2e: WebKitWebDriver not found (apt-get install webkit2gtk-driver)" >&2; exit 1; }
mkdir -p "$OUT"

WORK=$(mktemp -d /tmp/traycal-e2e.XXXXXX)
echo "e2e: work dir $WORK"
XVFB_PID=""
cleanup() {
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  if [ -z "${E2E_KEEP:-}" ]; then rm -rf "$WORK"; else echo "e2e: kept $WORK"; fi
}
trap cleanup EXIT

mkdir -p "$WORK"/{home,data,config,cache,run,feeds}
chmod 700 "$WORK/run"
export HOME="$WORK/home" XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config" \
  XDG_CACHE_HOME="$WORK/cache" XDG_RUNTIME_DIR="$WORK/run"
export TRAYCAL_DATA_DIR="$WORK/traycal" TRAYCAL_TRAY_DUMP="$WORK/tray.json" \
  TRAYCAL_OPENER="$HERE/record_opener.sh" TRAYCAL_OPENER_LOG="$WORK/opened.log"
# The command line built beside the app (the reminder test adds its feeds with it).
CLI=${E2E_CLI:-$(dirname "$APP")/traycal}
[ -x "$CLI" ] || { echo "e2e: $CLI not found (cargo build -p traycal-cli)" >&2; exit 1; }
export E2E_WORK="$WORK" E2E_OUT="$OUT" E2E_REAL_APP="$APP" E2E_APP="$HERE/app_wrapper.sh" E2E_CLI="$CLI" TAURI_DRIVER
# No accessibility bus: nothing here reads it.
export NO_AT_BRIDGE=1

for n in $(seq 90 130); do
  [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { DISPLAY_N=$n; break; }
done
Xvfb ":$DISPLAY_N" -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
export DISPLAY=":$DISPLAY_N"
# Up to 30 s: on 2 busy cores Xvfb can take several seconds to answer.
for _ in $(seq 300); do
  xdpyinfo >/dev/null 2>&1 && break
  kill -0 "$XVFB_PID" 2>/dev/null || break
  sleep 0.1
done
xdpyinfo >/dev/null 2>&1 || { echo "e2e: Xvfb did not start" >&2; cat "$WORK/xvfb.log" >&2; exit 1; }

dbus-run-session -- bash "$HERE/session.sh" "$@"
