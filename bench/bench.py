#!/usr/bin/env python3
"""Traycal bench driver (standard library only). Run it through bench/run.sh.

In one go, on one machine and one generated feed (../shared/bench/gen_ics.py N SEED):
  occurrences   `traycal occurrences FEED --count` (parse + expand over 2026)
  full sync     `traycal sync` of an ICS subscription served on 127.0.0.1
                (download + parse + expand + store), fresh data dir
  re-sync 304   unchanged re-sync; the server honours If-None-Match / If-Modified-Since
  re-sync 200   unchanged re-sync; the server ignores validators and sends the same body
                with no ETag/Last-Modified (the content-hash path)
  agenda 7d     `traycal agenda --from 2026-06-01 --days 7 --json` (process wall time
                and the engine's own "query_ms" when it prints one)
  py peer       ../shared/bench/peers/py_icalendar.py expand FEED, in bench/.work/venv
  hostile sync  `traycal sync` of a 316 KB feed of 2,000 endless FREQ=MINUTELY series
                (plus 10 ordinary events): bounded by the per-calendar occurrence budget

Every step is a child process: wall time from fork to reap, peak RSS from os.wait4
(ru_maxrss). Traycal steps report the median over --runs; a step whose command does
not exist in this build is reported "n/a" and the others still run.
Results: a table on stdout and bench/.work/results.json.
"""
import argparse
import datetime as dt
import hashlib
import http.server
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate, parsedate_to_datetime

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED_BENCH = os.path.join(os.path.dirname(REPO), "shared", "bench")

WINDOW_FROM, WINDOW_TO = "2026-01-01", "2027-01-01"
NOW = "2026-06-01T00:00:00Z"  # engine clock: its sync window is NOW-30d .. NOW+365d
AGENDA_FROM, AGENDA_DAYS = "2026-06-01", 7

# Targets of the bench issue, stated for the 50,000-event feed (seed 42).
TARGET_OCC_S = 1.2
TARGET_PEER_RATIO = 60.0
TARGET_SYNC_S = 2.0
TARGET_SYNC_RSS_MB = 300.0
TARGET_RESYNC_S = 0.2
TARGET_AGENDA_MS = 10.0
# Issue "Hardening": any feed under the size cap syncs in under 30 s and 400 MB.
TARGET_HOSTILE_S = 30.0
TARGET_HOSTILE_RSS_MB = 400.0
HOSTILE_SERIES = 2000
HOSTILE_BUDGET = 1_000_000  # traycal_core::expand::MAX_OCCURRENCES


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# Child processes: wall time and peak RSS
# ---------------------------------------------------------------------------------------
class Run:
    def __init__(self, argv, rc, wall_s, maxrss_kib, stdout, stderr):
        self.argv, self.rc, self.wall_s, self.maxrss_kib = argv, rc, wall_s, maxrss_kib
        self.stdout, self.stderr = stdout, stderr

    @property
    def ok(self):
        return self.rc == 0

    def tail(self, n=600):
        text = (self.stderr or self.stdout or "").strip()
        return text[-n:]


# Linux keeps a process' peak RSS across fork and exec: a child forked by this driver
# (which holds the whole feed for its HTTP server) would report the driver's peak as its
# own. So measured commands are spawned by a small launcher started before the driver
# grows; its ~10 MB is the floor of every RSS figure.
LAUNCHER_SRC = r"""
import json, os, subprocess, sys, time
for line in sys.stdin:
    req = json.loads(line)
    with open(req["out"], "wb") as out, open(req["err"], "wb") as err:
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(req["argv"], stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=err, env=req["env"])
        except OSError as e:
            err.write(str(e).encode())
            res = {"rc": 127, "wall": 0.0, "maxrss": 0}
        else:
            _, status, ru = os.wait4(p.pid, 0)
            res = {"rc": os.waitstatus_to_exitcode(status),
                   "wall": time.perf_counter() - t0, "maxrss": ru.ru_maxrss}
    sys.stdout.write(json.dumps(res) + "\n")
    sys.stdout.flush()
"""


class Launcher:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", LAUNCHER_SRC],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        self.lock = threading.Lock()

    def run(self, argv, env):
        fd_out, out = tempfile.mkstemp(prefix="bench-out-")
        fd_err, err = tempfile.mkstemp(prefix="bench-err-")
        os.close(fd_out)
        os.close(fd_err)
        try:
            with self.lock:
                self.proc.stdin.write(json.dumps({"argv": argv, "env": env, "out": out,
                                                  "err": err}) + "\n")
                self.proc.stdin.flush()
                res = json.loads(self.proc.stdout.readline())
            with open(out, "rb") as f:
                stdout = f.read().decode("utf-8", "replace")
            with open(err, "rb") as f:
                stderr = f.read().decode("utf-8", "replace")
        finally:
            os.remove(out)
            os.remove(err)
        return Run(argv, res["rc"], res["wall"], res["maxrss"], stdout, stderr)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


LAUNCHER = None


def measure(argv, env=None):
    """Run argv to completion; wall seconds and peak RSS (KiB) of that child alone."""
    global LAUNCHER
    if LAUNCHER is None:
        LAUNCHER = Launcher()
    return LAUNCHER.run([str(a) for a in argv], dict(env if env is not None else os.environ))


def quick(argv, env=None):
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=env)


# ---------------------------------------------------------------------------------------
# Loopback feed server with ETag / Last-Modified
# ---------------------------------------------------------------------------------------
class FeedServer:
    """Serves one body at /feed.ics. mode "validators": ETag + Last-Modified, 304 on a
    match; mode "plain": no validators, every GET is a 200 with the whole body."""

    def __init__(self, body):
        self.body = body
        self.etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
        self.last_modified = formatdate(
            dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc).timestamp(), usegmt=True)
        self.mode = "validators"
        self.lock = threading.Lock()
        self.counts = {}
        srv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _count(self, key):
                with srv.lock:
                    srv.counts[key] = srv.counts.get(key, 0) + 1

            def _not_modified(self):
                if srv.mode != "validators":
                    return False
                inm = self.headers.get("If-None-Match")
                if inm is not None:
                    tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
                    return srv.etag in tags or "*" in tags
                ims = self.headers.get("If-Modified-Since")
                if ims:
                    try:
                        return parsedate_to_datetime(ims) >= parsedate_to_datetime(
                            srv.last_modified)
                    except (TypeError, ValueError):
                        return False
                return False

            def _serve(self, with_body):
                if self.path.split("?")[0] != "/feed.ics":
                    self._count("404")
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self._not_modified():
                    self._count("304")
                    self.send_response(304)
                    self.send_header("ETag", srv.etag)
                    self.send_header("Last-Modified", srv.last_modified)
                    self.end_headers()
                    return
                self._count("200")
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(srv.body)))
                if srv.mode == "validators":
                    self.send_header("ETag", srv.etag)
                    self.send_header("Last-Modified", srv.last_modified)
                self.end_headers()
                if with_body:
                    try:
                        view = memoryview(srv.body)
                        for i in range(0, len(view), 1 << 20):
                            self.wfile.write(view[i:i + (1 << 20)])
                    except (BrokenPipeError, ConnectionResetError):
                        pass

            def do_GET(self):
                self._serve(True)

            def do_HEAD(self):
                self._serve(False)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d/feed.ics" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def snapshot(self):
        with self.lock:
            return dict(self.counts)


def delta(after, before):
    keys = set(after) | set(before)
    return {k: after.get(k, 0) - before.get(k, 0) for k in sorted(keys)
            if after.get(k, 0) != before.get(k, 0)}


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------
def dir_fingerprint(d):
    """size, mtime and content hash of every file under the data dir."""
    fp = {}
    for root, _, files in os.walk(d):
        for name in files:
            p = os.path.join(root, name)
            try:
                st = os.stat(p)
                h = hashlib.sha256()
                with open(p, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
            except OSError:
                continue
            fp[os.path.relpath(p, d)] = (st.st_size, st.st_mtime_ns, h.hexdigest())
    return fp


def fingerprint_changes(before, after):
    changed = []
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name), after.get(name)
        if b == a:
            continue
        if b is None:
            changed.append(f"{name}: created")
        elif a is None:
            changed.append(f"{name}: removed")
        elif b[2] != a[2]:
            changed.append(f"{name}: content changed ({b[0]} -> {a[0]} bytes)")
        else:
            changed.append(f"{name}: mtime only")
    return changed


def db_digest(d):
    """Rows and a content hash of every table of every SQLite file in the data dir,
    read-only, so a write can be named: "sync_log: +1 rows", "sync_state: changed"."""
    out = {}
    for name in sorted(os.listdir(d)):
        if not name.endswith((".sqlite3", ".sqlite", ".db")):
            continue
        try:
            path = os.path.join(d, name)
            # immutable: no -wal/-shm files created by this reader; only safe when there
            # is no WAL to read (the CLI checkpoints and removes it on close)
            flags = "mode=ro" if os.path.exists(path + "-wal") else "mode=ro&immutable=1"
            con = sqlite3.connect(f"file:{path}?{flags}", uri=True)
            try:
                tables = [t for (t,) in con.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
                for t in tables:
                    h = hashlib.sha256()
                    n = 0
                    for row in con.execute(f'SELECT * FROM "{t}"'):
                        h.update(repr(row).encode())
                        n += 1
                    out[f"{name}:{t}"] = (n, h.hexdigest())
            finally:
                con.close()
        except sqlite3.Error as e:
            out[name] = (None, f"unreadable: {e}")
    return out


def digest_changes(before, after):
    changed = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if b == a:
            continue
        if b is None or a is None:
            changed.append(f"{key}: {'created' if b is None else 'dropped'}")
        elif b[0] != a[0]:
            changed.append(f"{key}: {a[0] - b[0]:+d} rows")
        else:
            changed.append(f"{key}: rows changed")
    return changed


def content_changes(changes):
    """Changes that are real writes. SQLite's -shm index is shared memory that readers
    touch too, so it does not count as a database write."""
    return [c for c in changes if not c.split(":")[0].endswith("-shm")
            and not c.endswith("mtime only")]


def has_subcommand(binary, name):
    return quick([binary, name, "--help"]).returncode == 0


def med(values):
    return statistics.median(values) if values else None


def fmt_s(s):
    if s is None:
        return "-"
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def fmt_rss(kib):
    return "-" if not kib else f"{kib / 1024:.0f} MiB"


def parse_json_output(text):
    text = text.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    items = []
    for line in text.splitlines():
        try:
            items.append(json.loads(line))
        except ValueError:
            return None
    return items


def find_key(obj, key):
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        for v in obj.values():
            r = find_key(v, key)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find_key(v, key)
            if r is not None:
                return r
    return None


def machine_info():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) // 1024 // 1024} GiB"
    except (OSError, ValueError, IndexError):
        pass
    rev = quick(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]).stdout.strip()
    dirty = quick(["git", "-C", REPO, "status", "--porcelain", "--", "crates", "tests"])
    return {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "cores": os.cpu_count(), "cpu": cpu, "memory": mem,
            "os": platform.platform(), "python": platform.python_version(),
            "git": rev + ("+dirty" if dirty.stdout.strip() else "")}


# ---------------------------------------------------------------------------------------
# Setup: feed, binary, peer venv
# ---------------------------------------------------------------------------------------
def ensure_feed(work, n, seed):
    feed = os.path.join(work, f"feed-{n}-{seed}.ics")
    expected_path = feed + ".expected.json"
    if not (os.path.exists(feed) and os.path.exists(expected_path)):
        log(f"generating {n} events, seed {seed} -> {feed}")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, os.path.join(SHARED_BENCH, "gen_ics.py"),
                        str(n), str(seed), feed], check=True, stdout=subprocess.DEVNULL)
        log(f"  generated in {time.perf_counter() - t0:.1f} s")
    with open(expected_path) as f:
        expected = json.load(f)
    if expected.get("bytes") not in (None, os.path.getsize(feed)):
        log("cached feed does not match its sidecar: regenerating")
        os.remove(feed)
        return ensure_feed(work, n, seed)
    return feed, expected


def ensure_binary(arg):
    if arg:
        path = os.path.abspath(arg)
    else:
        log("cargo build --release -p traycal-cli")
        subprocess.run(["cargo", "build", "--release", "-p", "traycal-cli"], cwd=REPO,
                       check=True)
        target = os.environ.get("CARGO_TARGET_DIR") or "target"
        path = os.path.join(REPO, target, "release", "traycal")  # join keeps absolute dirs
    if not os.access(path, os.X_OK):
        sys.exit(f"bench: no traycal binary at {path}")
    return path


def ensure_peer_venv(work):
    venv = os.path.join(work, "venv")
    py = os.path.join(venv, "bin", "python")
    req = os.path.join(SHARED_BENCH, "peers", "requirements.txt")
    with open(req, "rb") as f:
        want = hashlib.sha256(f.read()).hexdigest()
    stamp = os.path.join(venv, ".requirements.sha256")
    try:
        with open(stamp) as f:
            if f.read().strip() == want and os.access(py, os.X_OK):
                return py
    except OSError:
        pass
    log(f"creating the peer venv {venv} (pip install -r {req})")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", req], check=True)
    with open(stamp, "w") as f:
        f.write(want + "\n")
    return py


# ---------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------
def step_occurrences(binary, feed, expected, runs):
    res = {"step": "occurrences", "title": "parse + expand (occurrences --count)"}
    if not has_subcommand(binary, "occurrences"):
        return {**res, "status": "n/a", "note": "no `occurrences` command in this build"}
    walls, rss, counts = [], [], []
    for i in range(runs):
        r = measure([binary, "occurrences", feed, "--from", WINDOW_FROM, "--to", WINDOW_TO,
                     "--count"])
        if not r.ok:
            return {**res, "status": "error", "note": r.tail()}
        walls.append(r.wall_s)
        rss.append(r.maxrss_kib)
        try:
            counts.append(int(r.stdout.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            return {**res, "status": "error", "note": f"unexpected output {r.stdout[:200]!r}"}
        log(f"  occurrences run {i + 1}/{runs}: {fmt_s(r.wall_s)}, {fmt_rss(r.maxrss_kib)}")
    return {**res, "status": "ok", "wall_s": med(walls), "walls": walls,
            "maxrss_kib": max(rss), "count": counts[-1],
            "count_ok": all(c == expected for c in counts)}


def step_peer(py, feed, expected, runs):
    res = {"step": "peer", "title": "Python icalendar + recurring-ical-events expand"}
    walls, rss = [], []
    out = None
    for i in range(runs):
        log(f"  peer run {i + 1}/{runs} (slow: about 2 min for 50,000 events)")
        r = measure([py, os.path.join(SHARED_BENCH, "peers", "py_icalendar.py"), "expand",
                     feed])
        if not r.ok:
            return {**res, "status": "error", "note": r.tail()}
        walls.append(r.wall_s)
        rss.append(r.maxrss_kib)
        out = json.loads(r.stdout.strip().splitlines()[-1])
        log(f"  peer: {fmt_s(r.wall_s)}, {fmt_rss(r.maxrss_kib)}, {out.get('occurrences')} occ.")
    return {**res, "status": "ok", "wall_s": med(walls), "walls": walls,
            "maxrss_kib": max(rss), "count": out.get("occurrences"),
            "count_ok": out.get("occurrences") == expected, "peer_output": out}


def step_sync_and_agenda(binary, feed_path, runs, work, keep):
    """add-ics + full sync, unchanged re-syncs (304 and 200), 7-day agenda."""
    names = {"full": "full sync (download+parse+expand+store)",
             "resync304": "unchanged re-sync (server 304)",
             "resync200": "unchanged re-sync (200, same body: content hash)",
             "agenda": f"agenda {AGENDA_DAYS} days (--json)"}
    results = {k: {"step": k, "title": t} for k, t in names.items()}
    missing = [c for c in ("add-ics", "sync") if not has_subcommand(binary, c)]
    if missing:
        note = "no `%s` command in this build" % "`, `".join(missing)
        for k in ("full", "resync304", "resync200"):
            results[k].update(status="n/a", note=note)
    has_agenda = has_subcommand(binary, "agenda")
    if not has_agenda:
        results["agenda"].update(status="n/a", note="no `agenda` command in this build")
    if missing:
        if has_agenda:
            results["agenda"].update(status="n/a", note="needs a synced mirror: " + note)
        return list(results.values())
    has_status = has_subcommand(binary, "status")

    # never touch the real keyring from a bench: secrets (none here) in the data dir
    env = dict(os.environ, TRAYCAL_NOW=NOW, TRAYCAL_SECRET_STORE="file")
    env.pop("TRAYCAL_DATA_DIR", None)
    with open(feed_path, "rb") as f:
        body = f.read()
    acc = {k: {"walls": [], "rss": [], "server": [], "writes": [], "tables": [], "status": []}
           for k in names}
    query_ms = []
    agenda_items = None
    errors = {}
    with FeedServer(body) as srv:
        log(f"  feed served at {srv.url} ({len(body):,} bytes)")
        for i in range(runs):
            data = tempfile.mkdtemp(prefix=f"data-{i}-", dir=work)
            try:
                base = [binary, "--data-dir", data]
                srv.mode = "validators"
                r = measure(base + ["add-ics", srv.url, "--name", "bench",
                                    "--max-bytes", "200000000"], env=env)
                if not r.ok:
                    errors.setdefault("full", "add-ics failed: " + r.tail())
                    break

                def timed(key, argv, check_writes=False):
                    # status first, fingerprint last: only the sync runs in between
                    before_status = (quick(base + ["status", "--json"], env=env).stdout
                                     if check_writes and has_status else None)
                    before_db = db_digest(data) if check_writes else None
                    before_fp = dir_fingerprint(data) if check_writes else None
                    before_srv = srv.snapshot()
                    rr = measure(argv, env=env)
                    a = acc[key]
                    a["server"].append(delta(srv.snapshot(), before_srv))
                    if not rr.ok:
                        errors.setdefault(key, rr.tail())
                        return rr
                    a["walls"].append(rr.wall_s)
                    a["rss"].append(rr.maxrss_kib)
                    if check_writes:
                        a["writes"].append(fingerprint_changes(before_fp,
                                                               dir_fingerprint(data)))
                        a["tables"].append(digest_changes(before_db, db_digest(data)))
                        if has_status:
                            after_status = quick(base + ["status", "--json"], env=env).stdout
                            a["status"].append({"before": parse_json_output(before_status),
                                                "after": parse_json_output(after_status)})
                    log(f"  {key} run {i + 1}/{runs}: {fmt_s(rr.wall_s)}, "
                        f"{fmt_rss(rr.maxrss_kib)}, server {a['server'][-1]}")
                    return rr

                timed("full", base + ["sync"])
                if "full" in errors:
                    break
                timed("resync304", base + ["sync"], check_writes=True)
                srv.mode = "plain"
                timed("resync200", base + ["sync"], check_writes=True)
                srv.mode = "validators"
                if has_agenda:
                    rr = timed("agenda", base + ["agenda", "--from", AGENDA_FROM, "--days",
                                                 str(AGENDA_DAYS), "--json"])
                    if rr.ok:
                        parsed = parse_json_output(rr.stdout)
                        q = find_key(parsed, "query_ms")
                        if isinstance(q, (int, float)):
                            query_ms.append(float(q))
                        if isinstance(parsed, list):
                            agenda_items = len(parsed)
                        elif isinstance(parsed, dict):
                            for k in ("entries", "occurrences", "items", "events"):
                                if isinstance(parsed.get(k), list):
                                    agenda_items = len(parsed[k])
                                    break
            finally:
                if not keep:
                    shutil.rmtree(data, ignore_errors=True)

    for key, r in results.items():
        if r.get("status"):
            continue
        a = acc[key]
        if key in errors and not a["walls"]:
            r.update(status="error", note=errors[key])
            continue
        r.update(status="ok", wall_s=med(a["walls"]), walls=a["walls"],
                 maxrss_kib=max(a["rss"]) if a["rss"] else None, server=a["server"])
        if key in errors:
            r["note"] = "some runs failed: " + errors[key]
        if a["writes"]:
            r["file_changes"] = a["writes"]
            r["db_writes"] = any(content_changes(w) for w in a["writes"])
            r["table_changes"] = a["tables"]
        if a["status"]:
            r["status_json"] = a["status"][-1]
    ag = results["agenda"]
    if ag.get("status") == "ok":
        ag["query_ms"] = med(query_ms)
        ag["query_ms_runs"] = query_ms
        ag["items"] = agenda_items
    return list(results.values())


def hostile_feed():
    """2,000 VEVENTs, each DTSTART + RRULE:FREQ=MINUTELY with no end, and 10 ordinary
    events the budget must leave whole."""
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Traycal bench//hostile//EN"]
    for i in range(HOSTILE_SERIES):
        out += ["BEGIN:VEVENT", f"UID:minutely-{i}@bench", "DTSTAMP:20260101T000000Z",
                "DTSTART:20260101T000000Z", "RRULE:FREQ=MINUTELY", f"SUMMARY:Every minute {i}",
                "END:VEVENT"]
    for i in range(10):
        out += ["BEGIN:VEVENT", f"UID:ordinary-{i}@bench", "DTSTAMP:20260101T000000Z",
                f"DTSTART:202606{10 + i:02d}T090000Z", f"DTEND:202606{10 + i:02d}T100000Z",
                f"SUMMARY:Ordinary {i}", "END:VEVENT"]
    out.append("END:VCALENDAR")
    return ("\r\n".join(out) + "\r\n").encode()


def step_hostile(binary, runs, work, keep):
    """A fresh `traycal sync` of the hostile feed: wall, peak RSS, what was stored."""
    res = {"step": "hostile", "title": f"hostile sync ({HOSTILE_SERIES:,} endless minutely series)"}
    if not has_subcommand(binary, "sync"):
        res.update(status="n/a", note="no `sync` command in this build")
        return res
    env = dict(os.environ, TRAYCAL_NOW=NOW, TRAYCAL_SECRET_STORE="file")
    env.pop("TRAYCAL_DATA_DIR", None)
    body = hostile_feed()
    walls, rss, stored = [], [], []
    with FeedServer(body) as srv:
        log(f"  hostile feed served at {srv.url} ({len(body):,} bytes)")
        for i in range(runs):
            data = tempfile.mkdtemp(prefix=f"hostile-{i}-", dir=work)
            try:
                base = [binary, "--data-dir", data]
                r = measure(base + ["add-ics", srv.url, "--name", "hostile"], env=env)
                if not r.ok:
                    res.update(status="error", note="add-ics failed: " + r.tail())
                    return res
                r = measure(base + ["--json", "sync"], env=env)
                if not r.ok:
                    res.update(status="error", note="sync failed: " + r.tail())
                    return res
                walls.append(r.wall_s)
                rss.append(r.maxrss_kib)
                con = sqlite3.connect(os.path.join(data, "mirror.sqlite3"))
                try:
                    has_notice = any(c[1] == "notice" for c in
                                     con.execute("PRAGMA table_info(sync_state)"))
                    if not has_notice:
                        res.update(status="n/a", note="this build keeps no sync notice (no budget)")
                        return res
                    occ = con.execute("SELECT count(*) FROM occurrences").fetchone()[0]
                    ordinary = con.execute(
                        "SELECT count(*) FROM occurrences o JOIN events e ON e.id = o.event_id "
                        "WHERE e.uid LIKE 'ordinary-%'").fetchone()[0]
                    notice = con.execute("SELECT notice FROM sync_state").fetchone()[0]
                finally:
                    con.close()
                db_mb = os.path.getsize(os.path.join(data, "mirror.sqlite3")) / 1e6
                stored.append({"occurrences": occ, "ordinary": ordinary, "notice": notice,
                               "db_mb": round(db_mb, 1)})
                log(f"  hostile run {i + 1}/{runs}: {fmt_s(r.wall_s)}, {fmt_rss(r.maxrss_kib)}, "
                    f"{occ:,} occurrences, {ordinary}/10 ordinary, db {db_mb:.0f} MB")
            finally:
                if not keep:
                    shutil.rmtree(data, ignore_errors=True)
    res.update(status="ok", wall_s=med(walls), walls=walls, maxrss_kib=max(rss),
               stored=stored, feed_bytes=len(body))
    return res


# ---------------------------------------------------------------------------------------
# Verdicts and report
# ---------------------------------------------------------------------------------------
def verdicts(steps, expected, peer):
    by = {s["step"]: s for s in steps}
    occ = by.get("occurrences", {})
    if occ.get("status") == "ok":
        occ["target"] = f"= {expected:,} occ.; <= {TARGET_OCC_S} s"
        occ["pass"] = bool(occ["count_ok"]) and occ["wall_s"] <= TARGET_OCC_S
        if peer and peer.get("status") == "ok":
            occ["peer_ratio"] = peer["wall_s"] / occ["wall_s"]
            occ["target"] += f"; >= {TARGET_PEER_RATIO:.0f}x peer"
            occ["pass"] = occ["pass"] and occ["peer_ratio"] >= TARGET_PEER_RATIO
    if peer and peer.get("status") == "ok":
        peer["target"] = f"= {expected:,} occ. (reference)"
        peer["pass"] = bool(peer["count_ok"])
    full = by.get("full", {})
    if full.get("status") == "ok":
        full["target"] = f"<= {TARGET_SYNC_S} s; RSS < {TARGET_SYNC_RSS_MB:.0f} MB"
        full["pass"] = (full["wall_s"] <= TARGET_SYNC_S
                        and full["maxrss_kib"] * 1024 < TARGET_SYNC_RSS_MB * 1e6)
    for key in ("resync304", "resync200"):
        s = by.get(key, {})
        if s.get("status") != "ok":
            continue
        s["target"] = f"< {TARGET_RESYNC_S} s; no DB writes"
        s["pass"] = s["wall_s"] < TARGET_RESYNC_S and not s.get("db_writes", False)
        if key == "resync304":
            s["target"] += "; 304"
            s["pass"] = s["pass"] and all(d.get("304", 0) >= 1 and not d.get("200")
                                          for d in s["server"])
    ho = by.get("hostile", {})
    if ho.get("status") == "ok":
        ho["target"] = (f"<= {TARGET_HOSTILE_S:.0f} s; RSS < {TARGET_HOSTILE_RSS_MB:.0f} MB; "
                        f"<= {HOSTILE_BUDGET:,} occ.; ordinary events whole; cut reported")
        ho["pass"] = (ho["wall_s"] <= TARGET_HOSTILE_S
                      and ho["maxrss_kib"] * 1024 < TARGET_HOSTILE_RSS_MB * 1e6
                      and all(st["occurrences"] <= HOSTILE_BUDGET and st["ordinary"] == 10
                              and st["notice"] for st in ho["stored"]))
    ag = by.get("agenda", {})
    if ag.get("status") == "ok":
        if ag.get("query_ms") is not None:
            ag["target"] = f"query < {TARGET_AGENDA_MS:.0f} ms"
            ag["pass"] = ag["query_ms"] < TARGET_AGENDA_MS
        else:
            ag["target"] = f"< {TARGET_AGENDA_MS:.0f} ms (no query_ms: process wall)"
            ag["pass"] = ag["wall_s"] * 1000 < TARGET_AGENDA_MS


def report(steps, info, args, expected):
    rows = [("step", "wall (median)", "peak RSS", "target", "result")]
    for s in steps:
        wall = fmt_s(s.get("wall_s"))
        if s["step"] == "agenda" and s.get("query_ms") is not None:
            wall += f" (query {s['query_ms']:.2f} ms)"
        res = s.get("status")
        if res == "ok":
            res = "PASS" if s.get("pass") else ("FAIL" if "pass" in s else "ok")
        rows.append((s["title"], wall, fmt_rss(s.get("maxrss_kib")), s.get("target", ""),
                     res.upper() if res in ("n/a", "error") else res))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    print()
    what = ("the hostile feed" if getattr(args, "hostile_only", False)
            else f"{args.events:,} events (seed {args.seed})")
    print(f"Traycal bench: {what}, {args.runs} run(s), "
          f"{info['cores']} cores, {info['cpu']}, {info['date']}, git {info['git']}")
    if args.events != 50000 and not getattr(args, "hostile_only", False):
        print("(targets are those of the 50,000-event feed; at this size they only smoke-test)")
    for i, r in enumerate(rows):
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    print()
    by = {s["step"]: s for s in steps}
    occ = by.get("occurrences", {})
    if occ.get("status") == "ok":
        print(f"occurrences: {occ['count']:,} (expected {expected:,}) "
              f"{'correct' if occ['count_ok'] else 'WRONG'}")
    if occ.get("peer_ratio"):
        peer = by["peer"]
        print(f"ratio parse+expand, Python peer / Traycal: {occ['peer_ratio']:.1f}x wall, "
              f"{peer['maxrss_kib'] / max(occ['maxrss_kib'], 1):.1f}x peak RSS "
              f"(peer counted {peer['count']:,})")
    ho = by.get("hostile", {})
    if ho.get("status") == "ok":
        st = ho["stored"][-1]
        print(f"hostile feed ({ho['feed_bytes']:,} bytes): {st['occurrences']:,} occurrences "
              f"stored (without the budget: {HOSTILE_SERIES:,} x 50,000), {st['ordinary']}/10 "
              f"ordinary events, database {st['db_mb']} MB; notice: "
              f"{(st['notice'] or 'NONE').splitlines()[0][:120]}")
    full = by.get("full", {})
    for key in ("resync304", "resync200"):
        s = by.get(key, {})
        if s.get("status") == "ok":
            if full.get("wall_s"):
                print(f"{s['title']}: {full['wall_s'] / s['wall_s']:.1f}x faster than the "
                      f"full sync; server answered {s['server'][-1]}; DB writes: "
                      f"{'yes' if s.get('db_writes') else 'none'}"
                      + (f" ({'; '.join(s['file_changes'][-1])})"
                         if s.get("file_changes") and s["file_changes"][-1] else "")
                      + (f"; tables: {', '.join(s['table_changes'][-1])}"
                         if s.get("table_changes") and s["table_changes"][-1] else ""))
    for s in steps:
        if s.get("status") in ("n/a", "error") and s.get("note"):
            print(f"{s['title']}: {s['status']}: {s['note'].splitlines()[-1][:300]}")


# The figures a change must keep (the sync-core issue's acceptance: within 10% of the
# commit before, measured in the same run): (step, figure, unit).
COMPARED = [("occurrences", "wall_s", "s"), ("occurrences", "maxrss_kib", "KiB"),
            ("full", "wall_s", "s"), ("full", "maxrss_kib", "KiB"),
            ("resync304", "wall_s", "s"), ("resync200", "wall_s", "s"),
            ("agenda", "query_ms", "ms")]
COMPARE_TOLERANCE = 0.10


def compare(binary, base, feed, expected, args, work):
    """Both binaries on the same feed, in alternating rounds (base, new, new, base, ...),
    so a machine that slows down or speeds up meanwhile weighs on both alike; the
    median of each figure over the rounds, and new / base."""
    samples = {"base": [], "new": []}
    for r in range(args.rounds):
        order = [("base", base), ("new", binary)]
        if r % 2:
            order.reverse()
        for label, b in order:
            log(f"compare round {r + 1}/{args.rounds}: {label} ({b})")
            steps = [step_occurrences(b, feed, expected, args.runs)]
            steps += step_sync_and_agenda(b, feed, args.runs, work, False)
            samples[label].append({st["step"]: st for st in steps})
    rows, worse = [], []
    for step, figure, unit in COMPARED:
        vals = {}
        for label in ("base", "new"):
            got = [rnd[step].get(figure) for rnd in samples[label]
                   if rnd.get(step, {}).get("status") == "ok"]
            got = [g for g in got if g is not None]
            vals[label] = med(got) if got else None
        row = {"step": step, "figure": figure, "unit": unit, "base": vals["base"],
               "new": vals["new"], "ratio": None, "verdict": "n/a"}
        if vals["base"] and vals["new"] is not None:
            row["ratio"] = vals["new"] / vals["base"]
            row["verdict"] = "ok" if row["ratio"] <= 1 + COMPARE_TOLERANCE else "WORSE"
            if row["verdict"] != "ok":
                worse.append(f"{step} {figure}")
        rows.append(row)
    print(f"\nTraycal bench, compare: {args.rounds} alternating rounds of {args.runs} run(s); "
          f"{args.events:,} events; base {base}; new {binary}")
    print(f"{'step':<12} {'figure':<11} {'base':>14} {'new':>14} {'new/base':>9}  within 10%")
    for row in rows:
        def fmt(v, unit=row["unit"]):
            return "-" if v is None else f"{v:.4g} {unit}"
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.3f}"
        print(f"{row['step']:<12} {row['figure']:<11} {fmt(row['base']):>14} "
              f"{fmt(row['new']):>14} {ratio:>9}  {row['verdict']}")
    out = os.path.join(work, "compare.json")
    with open(out, "w") as f:
        json.dump({"base": base, "new": binary, "rounds": args.rounds, "runs": args.runs,
                   "events": args.events, "samples": samples, "rows": rows},
                  f, indent=1, default=str)
    print(f"\ncompare: {len(rows) - len(worse)} of {len(rows)} figures within 10% of the base"
          + (f"; worse: {', '.join(worse)}" if worse else "") + f" (details: {out})")
    return 1 if worse else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--runs", type=int, default=3, help="runs of each Traycal step (median)")
    ap.add_argument("--peer-runs", type=int, default=1, help="runs of the Python peer")
    ap.add_argument("--skip-peer", action="store_true", help="skip the slow Python peer")
    ap.add_argument("--bin", help="traycal binary (default: cargo build --release)")
    ap.add_argument("--work", default=os.path.join(HERE, ".work"))
    ap.add_argument("--keep-data", action="store_true", help="keep the data dirs of runs")
    ap.add_argument("--hostile-only", action="store_true",
                    help="only the hostile-feed step (no 50k feed, no peer)")
    ap.add_argument("--compare", metavar="BASE_BIN",
                    help="compare with another traycal binary (the commit before): "
                         "alternating rounds, each figure new/base, fails past +10%%")
    ap.add_argument("--rounds", type=int, default=4, help="alternating rounds of --compare")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    global LAUNCHER
    LAUNCHER = Launcher()  # first, while this process is small
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    if args.hostile_only:
        binary = ensure_binary(args.bin)
        info = machine_info()
        steps = [step_hostile(binary, args.runs, work, args.keep_data)]
        verdicts(steps, 0, None)
        report(steps, info, args, 0)
        LAUNCHER.close()
        s = steps[0]
        return 0 if s.get("status") == "ok" and s.get("pass") else 1
    feed, exp = ensure_feed(work, args.events, args.seed)
    expected = int(exp["expected_occurrences_in_window"])
    binary = ensure_binary(args.bin)
    if args.compare:
        base = ensure_binary(args.compare)
        rc = compare(binary, base, feed, expected, args, work)
        LAUNCHER.close()
        return rc
    info = machine_info()
    log(f"binary {binary}; feed {feed} ({os.path.getsize(feed):,} bytes, "
        f"{expected:,} expected occurrences)")

    steps = [step_occurrences(binary, feed, expected, args.runs)]
    steps += step_sync_and_agenda(binary, feed, args.runs, work, args.keep_data)
    steps.append(step_hostile(binary, args.runs, work, args.keep_data))
    peer = None
    if not args.skip_peer:
        try:
            py = ensure_peer_venv(work)
            peer = step_peer(py, feed, expected, args.peer_runs)
        except subprocess.CalledProcessError as e:
            peer = {"step": "peer", "title": "Python icalendar + recurring-ical-events expand",
                    "status": "error", "note": f"venv setup failed: {e}"}
        steps.append(peer)
    verdicts(steps, expected, peer)
    report(steps, info, args, expected)

    out = os.path.join(work, "results.json")
    with open(out, "w") as f:
        json.dump({"machine": info, "events": args.events, "seed": args.seed,
                   "runs": args.runs, "feed_bytes": os.path.getsize(feed),
                   "expected_occurrences": expected, "binary": binary, "now": NOW,
                   "steps": steps}, f, indent=1, default=str)
    LAUNCHER.close()
    print(f"\nresults: {out}")
    judged = [s for s in steps if "pass" in s]
    failed = [s["title"] for s in judged if not s["pass"]]
    errors = [s["title"] for s in steps if s.get("status") == "error"]
    na = [s["title"] for s in steps if s.get("status") == "n/a"]
    print(f"bench: {len(judged) - len(failed)} of {len(judged)} judged steps met their "
          f"targets" + (f"; missed: {', '.join(failed)}" if failed else "")
          + (f"; errors: {', '.join(errors)}" if errors else "")
          + (f"; not available: {len(na)}" if na else ""))
    wrong = [s["title"] for s in steps if s.get("count_ok") is False]
    if wrong:
        print(f"bench: WRONG occurrence count: {', '.join(wrong)}")
    return 1 if errors or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
