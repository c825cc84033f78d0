#!/usr/bin/env bash
# Inside the private D-Bus session: start the session services, then the tests.
# Called by run.sh (which sets E2E_WORK, E2E_APP, DISPLAY and the XDG dirs).
set -euo pipefail
HERE=$(dirname "$(realpath "$0")")
W="$E2E_WORK"
PIDS=()
stop() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap stop EXIT

eval "$(printf 'e2e-password' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL

/usr/bin/python3 "$HERE/notification_server.py" "$W/notify.jsonl" "$W/notify.fifo" >"$W/notify.out" 2>&1 &
PIDS+=($!)
/usr/bin/python3 "$HERE/sni_watcher.py" "$W/sni.log" >"$W/sni.out" 2>&1 &
PIDS+=($!)
# A private "system" bus with a logind stand-in: the tests signal a resume from suspend.
dbus-daemon --session --nofork --address="unix:path=$W/system_bus" >/dev/null 2>&1 &
PIDS+=($!)
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$W/system_bus"
for _ in $(seq 50); do [ -S "$W/system_bus" ] && break; sleep 0.1; done
/usr/bin/python3 "$HERE/logind.py" "$DBUS_SYSTEM_BUS_ADDRESS" "$W/logind.fifo" >"$W/logind.out" 2>&1 &
PIDS+=($!)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
FEED_PORT=$(free_port)
python3 -m http.server "$FEED_PORT" --bind 127.0.0.1 --directory "$W/feeds" >"$W/feeds.log" 2>&1 &
PIDS+=($!)
DRIVER_PORT=$(free_port)
NATIVE_PORT=$(free_port)
"$TAURI_DRIVER" --port "$DRIVER_PORT" --native-port "$NATIVE_PORT" --native-driver "$HERE/webkit_driver.sh" \
  >"$W/driver.log" 2>&1 &
PIDS+=($!)
export E2E_FEED_URL="http://127.0.0.1:$FEED_PORT" E2E_DRIVER_URL="http://127.0.0.1:$DRIVER_PORT"

wait_port() { for _ in $(seq 100); do python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0; sleep 0.1; done; echo "e2e: nothing listens on $1 ($2)" >&2; return 1; }
wait_port "$FEED_PORT" "feed server"
wait_port "$DRIVER_PORT" "tauri-driver"
for f in notify.out sni.out logind.out; do
  for _ in $(seq 50); do grep -q ready "$W/$f" 2>/dev/null && break; sleep 0.1; done
  grep -q ready "$W/$f" || { echo "e2e: $f: service did not start" >&2; cat "$W/$f" >&2; exit 1; }
done

if [ -n "${E2E_MONITOR:-}" ]; then bash "$E2E_MONITOR" >"$W/procs.log" 2>&1 & PIDS+=($!); fi
status=0
if [ -n "${E2E_TEST:-}" ]; then
  python3 "$E2E_TEST" || status=$?
else
  python3 "$HERE/test_app.py" || status=$?
  if [ "$status" -eq 0 ]; then python3 "$HERE/test_sample.py" || status=$?; fi
  if [ "$status" -eq 0 ]; then python3 "$HERE/test_reminders.py" || status=$?; fi
  if [ "$status" -eq 0 ]; then python3 "$HERE/test_first_hour.py" || status=$?; fi
  if [ "$status" -eq 0 ]; then python3 "$HERE/test_caldav.py" || status=$?; fi
fi
if [ "$status" -ne 0 ]; then
  echo "--- processes at the failure ---" >&2
  ps -eo pid,stat,etime,comm | grep -E "WebKit|traycal|tauri" >&2 || true
  echo "--- WebKitWebDriver output (last 20 lines) ---" >&2
  grep -v "^dbus-daemon" "$W/webkitdriver.log" 2>/dev/null | tail -20 >&2 || true
  echo "--- app output (last 40 lines) ---" >&2
  grep -v "^dbus-daemon" "$W/app.log" 2>/dev/null | tail -40 >&2 || true
fi
exit "$status"
