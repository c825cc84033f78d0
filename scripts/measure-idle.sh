#!/usr/bin/env bash
# Idle memory and start-up time of the tray app (issue 3's figures).
#
#   scripts/measure-idle.sh [APP_BINARY] [CLI_BINARY]
#       defaults: target/release/traycal-app, target/release/traycal
#
# In a private environment (temp HOME/XDG dirs, Xvfb, private D-Bus session, a
# StatusNotifierWatcher so the tray icon registers, gnome-keyring): syncs the 10k-event
# bench feed (../shared/bench/gen_ics.py 10000 42) with the CLI into the data dir the
# app shares, starts the app with no window, and reports
#   - start → tray icon registered (ms),
#   - total RSS of the app and all its children with no window open (and whether any
#     WebKit process is alive), after 15 s of idle,
#   - the same with the agenda window open (opened by a second launch `--agenda`),
#   - the same again after closing the agenda window (where the app's own memory is),
#     after reopening it and after closing it once more;
#   - wake-ups and CPU while idle: over IDLE_SECONDS (default 300) with no window,
#     the voluntary context switches of all the app's threads and its CPU time
#     (/proc counters), scaled to an hour; then the RSS again (the app re-fetches the
#     feed every 5 minutes, so a long idle includes in-app syncs).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target="${CARGO_TARGET_DIR:-$repo/target}"
APP=$(realpath "${1:-$target/release/traycal-app}")
CLI=$(realpath "${2:-$target/release/traycal}")
E2E="$repo/scripts/e2e"
SHARED="${TRAYCAL_SHARED:-$repo/../shared}"

WORK=$(mktemp -d /tmp/traycal-idle.XXXXXX)
XVFB_PID=""
cleanup() { [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK"/{home,data,config,cache,run,feeds}
chmod 700 "$WORK/run"

if [ ! -f "$WORK/feeds/feed-10k.ics" ]; then
  python3 "$SHARED/bench/gen_ics.py" 10000 42 "$WORK/feeds/feed-10k.ics" >/dev/null
fi

export IDLE_SECONDS="${IDLE_SECONDS:-300}"
export HOME="$WORK/home" XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config" \
  XDG_CACHE_HOME="$WORK/cache" XDG_RUNTIME_DIR="$WORK/run" TRAYCAL_DATA_DIR="$WORK/traycal" \
  NO_AT_BRIDGE=1 APP CLI E2E WORK ROOT="$repo"
for n in $(seq 140 180); do [ -e "/tmp/.X11-unix/X$n" ] || { DISPLAY_N=$n; break; }; done
Xvfb ":$DISPLAY_N" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB_PID=$!
export DISPLAY=":$DISPLAY_N"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

dbus-run-session -- bash -c '
set -euo pipefail
eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
/usr/bin/python3 "$E2E/sni_watcher.py" "$WORK/sni.log" >/dev/null 2>&1 &
WATCHER=$!
port=$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])")
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$WORK/feeds" >/dev/null 2>&1 &
FEEDS=$!
sleep 0.5
"$CLI" add-ics "http://127.0.0.1:$port/feed-10k.ics" --name "Bench 10k" --max-bytes 64000000 >/dev/null
"$CLI" sync >/dev/null
echo "synced: $("$CLI" status --json | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"events\"])") events"

tree_pids() { # a pid and all its descendants
  local p=$1; echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}
report() { # label
  local total=0 names=""
  for p in $(tree_pids "$APP_PID"); do
    local kb; kb=$(awk "/^VmRSS/ {print \$2}" /proc/"$p"/status 2>/dev/null || echo 0)
    total=$((total + ${kb:-0}))
    local anon file; anon=$(awk "/^RssAnon/ {print \$2}" /proc/"$p"/status 2>/dev/null || echo 0)
    file=$(awk "/^RssFile/ {print \$2}" /proc/"$p"/status 2>/dev/null || echo 0)
    names="$names $(cat /proc/"$p"/comm 2>/dev/null)(${kb:-0} kB: anon ${anon:-0}, file ${file:-0})"
  done
  local webkit; webkit=$(for p in $(tree_pids "$APP_PID"); do cat /proc/"$p"/comm 2>/dev/null; done | grep -c WebKit || true)
  printf "%-28s total RSS %6.1f MiB; WebKit processes: %s;%s\n" "$1" "$(awk -v kb="$total" "BEGIN {print kb / 1024}")" "$webkit" "$names"
}

t0=$(date +%s%N)
"$APP" >"$WORK/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 300); do [ -s "$WORK/sni.log" ] && break; sleep 0.01; done
t1=$(date +%s%N)
[ -s "$WORK/sni.log" ] || { echo "the tray icon never registered"; cat "$WORK/app.log"; exit 1; }
echo "start → tray icon registered: $(( (t1 - t0) / 1000000 )) ms"
sleep 15
report "idle, no window:"
# Where the resident memory is (largest mappings).
python3 "$ROOT/scripts/rss-by-mapping.py" "$APP_PID" 8
switches() { cat /proc/"$APP_PID"/task/*/status 2>/dev/null | awk "/^voluntary_ctxt_switches/ {n += \$2} END {print n}"; }
cpu_ticks() { awk "{print \$14 + \$15}" /proc/"$APP_PID"/stat; }
s0=$(switches); c0=$(cpu_ticks)
sleep "$IDLE_SECONDS"
s1=$(switches); c1=$(cpu_ticks); hz=$(getconf CLK_TCK)
awk -v s="$((s1 - s0))" -v c="$((c1 - c0))" -v hz="$hz" -v t="$IDLE_SECONDS" "BEGIN {
  printf \"idle %d s, no window: %d wake-ups (%.0f per hour), CPU %.2f s (%.1f s per hour, %.3f%% of a core)\n\",
    t, s, s * 3600 / t, c / hz, c / hz * 3600 / t, c / hz / t * 100 }"
open_agenda() { # label: opened by a second launch, which hands over to the running app
  "$APP" --agenda >/dev/null 2>&1 || true
  xdotool search --sync --name "Traycal — Agenda" >/dev/null
  sleep 8
  report "$1"
}
close_agenda() { # label: as a user would (Ctrl+W; destroying the X window would kill the app)
  xdotool windowfocus --sync "$(xdotool search --name "Traycal — Agenda" | head -n 1)" key ctrl+w
  sleep 8
  report "$1"
}
report "after idle, no window yet:"
open_agenda "agenda window open:"
close_agenda "agenda closed again:"
python3 "$ROOT/scripts/rss-by-mapping.py" "$APP_PID" 8
# Once more: a new window process (and WebKit processes) for the reopened window.
open_agenda "agenda reopened:"
close_agenda "agenda closed once more:"
kill "$APP_PID" "$WATCHER" "$FEEDS" 2>/dev/null || true
'
