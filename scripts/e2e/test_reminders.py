"""End-to-end test of meeting reminders (see run.sh for the environment).

The real app runs (no WebDriver needed) in the private D-Bus session whose
notification server records every Notify call and can invoke an action. Two feeds
hold meetings starting in a little over five minutes (the default lead time): one
with a Zoom link, one overlapping it, and the Zoom meeting again in a second calendar
(same UID: one notification). The test expects exactly two notifications with the
right titles and actions, invokes Join and checks the link reached the opener, then
restarts the app and expects nothing new.
"""
import datetime as dt
import json
import os
import subprocess
import sys
import time

W = os.environ["E2E_WORK"]
APP = os.environ["E2E_REAL_APP"]
CLI = os.environ["E2E_CLI"]
FEEDS = os.environ["E2E_FEED_URL"]
NOTIFY_LOG = os.path.join(W, "notify.jsonl")
ZOOM = "https://us02web.zoom.us/j/85412345678?pwd=c2FtcGxl"


def ics_time(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def feed(name, events):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//traycal e2e//EN"]
    for uid, start, summary, description in events:
        lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{ics_time(start)}", f"DTSTART:{ics_time(start)}",
                  f"DTEND:{ics_time(start + dt.timedelta(minutes=30))}", f"SUMMARY:{summary}",
                  f"DESCRIPTION:{description}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    with open(os.path.join(W, "feeds", name), "w", encoding="utf-8") as f:
        f.write("\r\n".join(lines) + "\r\n")
    return f"{FEEDS}/{name}"


def notifications():
    if not os.path.exists(NOTIFY_LOG):
        return []
    with open(NOTIFY_LOG, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def start_app(env, log_name):
    return subprocess.Popen([APP], env=env, stdout=open(os.path.join(W, log_name), "w"),
                            stderr=subprocess.STDOUT)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def main():
    env = dict(os.environ, TRAYCAL_DATA_DIR=os.path.join(W, "traycal-reminders"))
    env.pop("TRAYCAL_TRAY_DUMP", None)
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(minutes=5, seconds=25)
    team = feed("meetings.ics", [
        ("sync@e2e", start, "E2E Sync", f"Join Zoom Meeting\\n{ZOOM}"),
        ("overlap@e2e", start, "E2E Overlap", "Same time\\, different meeting."),
    ])
    copy = feed("shared.ics", [("sync@e2e", start, "E2E Sync", f"Join Zoom Meeting\\n{ZOOM}")])
    for url, name in [(team, "Team"), (copy, "Shared")]:
        subprocess.run([CLI, "add-ics", url, "--name", name], env=env, check=True, capture_output=True)
    subprocess.run([CLI, "sync"], env=env, check=True, capture_output=True)
    baseline = len(notifications())

    app = start_app(env, "app-reminders-1.log")
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(notifications()) - baseline < 2:
            time.sleep(0.5)
        time.sleep(5)  # anything more would come now
        got = notifications()[baseline:]
        summaries = sorted(n["summary"] for n in got)
        assert len(got) == 2, f"expected 2 notifications, got {len(got)}: {summaries}"
        assert summaries == ["E2E Overlap in 5 min", "E2E Sync in 5 min"], summaries
        sync = next(n for n in got if n["summary"].startswith("E2E Sync"))
        assert all(n["app_name"] == "Traycal" for n in got), got
        assert sync["actions"].get("join") == "Join Zoom", sync["actions"]
        for key in ["snooze-1", "snooze-5", "snooze-10", "snooze-start", "dismiss", "default"]:
            assert key in sync["actions"], (key, sync["actions"])
        overlap = next(n for n in got if n["summary"].startswith("E2E Overlap"))
        assert "join" not in overlap["actions"], overlap["actions"]
        print(f"e2e: reminders: {summaries}, actions {list(sync['actions'])}")

        # Join: the opener receives the Zoom link.
        opened = os.path.join(W, "opened.log")
        before = open(opened, encoding="utf-8").read().split() if os.path.exists(opened) else []
        with open(os.path.join(W, "notify.fifo"), "w", encoding="utf-8") as f:
            f.write(f"{sync['id']} join\n")
        deadline = time.time() + 15
        after = before
        while time.time() < deadline:
            after = open(opened, encoding="utf-8").read().split() if os.path.exists(opened) else []
            if len(after) > len(before):
                break
            time.sleep(0.2)
        assert after[len(before):] == [ZOOM], f"opener got {after[len(before):]}"
        print("e2e: reminders: Join opened the Zoom link")
    finally:
        stop(app)

    # A restart fires nothing new.
    app = start_app(env, "app-reminders-2.log")
    try:
        time.sleep(15)
        again = notifications()[baseline:]
        assert len(again) == 2, f"after restart: {[n['summary'] for n in again]}"
        print("e2e: reminders: nothing fired twice after a restart")
    finally:
        stop(app)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"e2e: reminders FAILED: {e}", file=sys.stderr)
        for name in ["app-reminders-1.log", "app-reminders-2.log"]:
            path = os.path.join(W, name)
            if os.path.exists(path):
                print(f"--- {name} ---", file=sys.stderr)
                print(open(path, encoding="utf-8").read()[-3000:], file=sys.stderr)
        sys.exit(1)
