#!/bin/bash
# The CalDAV bench: Traycal's first sync and unchanged re-sync of one Radicale 3.9
# calendar holding 2,000 events, beside vdirsyncer 0.21 in the same run, with the
# server's own time for the bare requests as the floor.
#
# usage: bench/caldav.sh [--bin TRAYCAL] [--runs N] [--count N]
#   --bin    a traycal binary (default: `cargo build --release -p traycal-cli`)
#   --runs   runs of each step (default 5; medians are reported)
#   --count  events in the calendar (default 2000)
#
# Everything runs on 127.0.0.1: Radicale from ../shared/servers/radicale/start.sh in a
# temp dir, the events uploaded in one request (../shared/bench/peers/gen_events.py
# --bulk-radicale), vdirsyncer 0.21.0 from PyPI in a venv under ~/.cache/traycal-bench
# (../shared/bench/peers/bench_vdirsyncer.sh). Each figure is a whole process, spawn to
# exit, as a user or a cron job runs it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(cd "$ROOT/../shared" && pwd)
BIN=""
RUNS=5
COUNT=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --count) COUNT=$2; shift 2 ;;
    *) echo "usage: bench/caldav.sh [--bin TRAYCAL] [--runs N] [--count N]" >&2; exit 2 ;;
  esac
done
if [ -z "$BIN" ]; then
  (cd "$ROOT" && cargo build --release -q -p traycal-cli)
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/traycal"
fi
WORK=$(mktemp -d)
PID=""
cleanup() {
  [ -n "$PID" ] && kill -- "-$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

say() { echo "[caldav-bench] $*" >&2; }
ms() { # run "$@" quietly; print its wall time in ms
  local s e
  s=$(date +%s%N)
  "$@" > "$WORK/last.out" 2> "$WORK/last.err" || { cat "$WORK/last.err" >&2; return 1; }
  e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

# The server, with the events in alice's calendar (her only one: every client syncs
# exactly this collection).
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
READY=$("$SHARED/servers/radicale/start.sh" "$WORK/radicale" "$PORT")
PID=$(sed -n 's/.* pid=\([0-9]*\).*/\1/p' <<< "$READY")
URL="http://127.0.0.1:$PORT/"
COL="${URL}alice/calendar/"
say "Radicale at $URL (pid $PID); uploading $COUNT events"
python3 "$SHARED/bench/peers/gen_events.py" --collection "$COL" --user alice --password secret \
  --count "$COUNT" --bulk-radicale >&2

# The floor: the server's own time for the requests a client cannot do without.
report() { # $1 = token
  curl -s -u alice:secret -X REPORT -H 'Depth: 0' -H 'Content-Type: application/xml' \
    --data-binary "<?xml version=\"1.0\"?><d:sync-collection xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\"><d:sync-token>$1</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/><c:calendar-data/></d:prop></d:sync-collection>" \
    "$COL"
}
TOKEN=$(report "" | python3 -c 'import re, sys; print(re.findall(r"sync-token>([^<]+)<", sys.stdin.read())[-1])')
# Traycal and the floor, interleaved run by run (the server's own time drifts as it
# warms up, so each Traycal figure sits beside a floor measured at the same moment).
# Traycal gets a new data dir per run; the account is added first (discovery, timed
# apart from the sync), then the first sync and an unchanged re-sync.
FULL=(); DELTA=(); CTAG=(); FIRST=(); RESYNC=(); ADD=()
for i in $(seq "$RUNS"); do
  D="$WORK/traycal$i"
  mkdir -p "$D"
  t() { env HOME="$D" XDG_RUNTIME_DIR="$D" TRAYCAL_SECRET_STORE=file "$BIN" --data-dir "$D" "$@"; }
  add() { printf 'secret\n' | t --json add-caldav "$URL" --user alice --password-stdin; }
  ADD+=("$(ms add)")
  ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["source"]["id"])' "$WORK/last.out")
  FULL+=("$(ms report "")")
  FIRST+=("$(ms t sync "$ID")")
  EVENTS=$(t --json status "$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["events"])')
  [ "$EVENTS" = "$COUNT" ] || { say "traycal holds $EVENTS events, not $COUNT"; exit 1; }
  DELTA+=("$(ms report "$TOKEN")")
  RESYNC+=("$(ms t sync "$ID")")
  say "run $i: floor ${FULL[-1]} ms, first sync ${FIRST[-1]} ms; floor ${DELTA[-1]} ms, re-sync ${RESYNC[-1]} ms"
  CTAG+=("$(ms curl -s -u alice:secret -X PROPFIND -H 'Depth: 0' --data-binary '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/></d:prop></d:propfind>' "$COL")")
done

# vdirsyncer 0.21, in the same run.
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/traycal-bench/vdirsyncer-venv"
if [ ! -x "$VENV/bin/vdirsyncer" ]; then
  say "installing vdirsyncer 0.21.0 into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "vdirsyncer==0.21.0"
fi
VDS_OUT=$(VDIRSYNCER="$VENV/bin/vdirsyncer" bash "$SHARED/bench/peers/bench_vdirsyncer.sh" "$COL" alice secret "$RUNS")
echo "$VDS_OUT" >&2
VFIRST=$(sed -n 's/^first sync: .*median=\([0-9]*\) ms.*/\1/p' <<< "$VDS_OUT")
VRESYNC=$(sed -n 's/^re-sync: .*median=\([0-9]*\) ms.*/\1/p' <<< "$VDS_OUT")

F=$(median "${FIRST[@]}"); R=$(median "${RESYNC[@]}")
FF=$(median "${FULL[@]}"); FD=$(median "${DELTA[@]}"); FC=$(median "${CTAG[@]}")
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
cat <<EOF

CalDAV bench: $COUNT events on Radicale 3.9 (loopback), medians of $RUNS runs
step                      traycal     vdirsyncer 0.21   server floor
first sync                ${F} ms     ${VFIRST} ms          ${FF} ms (sync-collection with data)
unchanged re-sync         ${R} ms     ${VRESYNC} ms          ${FD} ms (sync-collection, same token); getctag ${FC} ms
add account (discovery)   $(median "${ADD[@]}") ms
first sync:  traycal / floor = $(ratio "$F" "$FF"); vdirsyncer / traycal = $(ratio "$VFIRST" "$F")
re-sync:     traycal / floor = $(ratio "$R" "$FD"); vdirsyncer / traycal = $(ratio "$VRESYNC" "$R")
EOF
