"""End-to-end test of meeting reminders (see run.sh for the environment).

The real app runs in the private D-Bus session whose notification server records
every Notify call and can invoke an action. Two feeds hold meetings starting in a
little over five minutes (the default lead time): one with a Zoom link, one
overlapping it, and the Zoom meeting again in a second calendar (same UID: one
notification). The test expects exactly two notifications with the right titles and
actions, invokes Join and checks the link reached the opener, clicks the other
reminder and sees that meeting in the agenda, joins with the global shortcut, changes
the shortcut in settings and joins with the new one (the old one no longer joins),
signals a resume from suspend through the logind stand-in, then restarts the app and
expects nothing new.
"""
import datetime as dt
import json
import os
import subprocess
import sys
import time

from test_app import run_session, shot, window_opened

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


def opened_links():
    path = os.path.join(W, "opened.log")
    return open(path, encoding="utf-8").read().split() if os.path.exists(path) else []


def wait_opened(before, timeout=15):
    """The links the opener received after `before` of them (waits for one)."""
    deadline = time.time() + timeout
    after = opened_links()
    while time.time() < deadline and len(after) <= len(before):
        time.sleep(0.2)
        after = opened_links()
    return after[len(before):]


def invoke(notification, action):
    with open(os.path.join(W, "notify.fifo"), "w", encoding="utf-8") as f:
        f.write(f"{notification['id']} {action}\n")


def press(keys):
    subprocess.run(["xdotool", "key", keys], check=True, timeout=10)


def first_run(s, baseline):
    """The app runs under WebDriver with its agenda open."""
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
    # At most three buttons (GNOME shows no more) and the click: Join, one Snooze
    # (until it starts: the reminder comes 5 min before, the snooze lasts 5), Dismiss.
    assert set(sync["actions"]) == {"join", "snooze-start", "dismiss", "default"}, sync["actions"]
    overlap = next(n for n in got if n["summary"].startswith("E2E Overlap"))
    assert "join" not in overlap["actions"], overlap["actions"]
    print(f"e2e: reminders: {summaries}, actions {list(sync['actions'])}")

    # Join: the opener receives the Zoom link.
    before = opened_links()
    invoke(sync, "join")
    assert wait_opened(before) == [ZOOM], f"opener got {opened_links()[len(before):]}"
    print("e2e: reminders: Join opened the Zoom link")

    # Clicking a reminder opens that meeting in the agenda, details shown.
    invoke(overlap, "default")
    s.switch_to_window("agenda")
    s.wait_for('[data-testid="event-detail"]', text="E2E Overlap")
    # The details arrive after the pane opens with the entry's title.
    s.wait_for('[data-testid="event-description"]', text="Same time, different meeting.")
    shot(s, "reminder-opens-event.png")
    print("e2e: reminders: clicking the reminder showed the meeting in the agenda")

    # The global shortcut (default Ctrl+Alt+J) joins the next meeting with a link.
    before = opened_links()
    press("ctrl+alt+j")
    assert wait_opened(before) == [ZOOM], f"Ctrl+Alt+J: opener got {opened_links()[len(before):]}"
    # Changed in the settings window by pressing the new keys in its recorder.
    s.script("return window.__TAURI_INTERNALS__.invoke('open_window', { window: 'settings' });")
    window_opened("Traycal — Settings")
    s.switch_to_window("settings")
    s.wait_for('[data-testid="section-shortcut"]')[0].click()
    field = s.wait_for('[data-testid="shortcut-input"]')[0]
    field.click()
    field.type("\ue009\ue00ak\ue000")  # Ctrl+Alt+K, then release the modifiers
    s.wait_for('[data-testid="shortcut-save"]')[0].click()
    s.wait_for('[data-testid="shortcut-status"]', text="Ctrl+Alt+K")
    shot(s, "settings-shortcut.png")
    before = opened_links()
    press("ctrl+alt+k")
    assert wait_opened(before) == [ZOOM], f"Ctrl+Alt+K: opener got {opened_links()[len(before):]}"
    before = opened_links()
    press("ctrl+alt+j")
    assert wait_opened(before, timeout=3) == [], "the old shortcut still joins"
    print("e2e: reminders: the join shortcut works, and after changing it in settings the new one")

    # A resume from suspend (logind's PrepareForSleep(false)) re-plans at once.
    with open(os.path.join(W, "logind.fifo"), "w", encoding="utf-8") as f:
        f.write("sleep\nwake\n")
    deadline = time.time() + 10
    log = ""
    while time.time() < deadline and "resumed from suspend" not in log:
        time.sleep(0.2)
        log = open(os.path.join(W, "app.log"), encoding="utf-8").read()
    assert "resumed from suspend" in log, "the app did not notice the resume"
    print("e2e: reminders: the app noticed the resume from suspend")


def main():
    data = os.path.join(W, "traycal-reminders")
    env = dict(os.environ, TRAYCAL_DATA_DIR=data)
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

    def reminders_notify_join_and_show(s):
        first_run(s, baseline)

    status = run_session(reminders_notify_join_and_show, args=["--agenda"],
                         app_env=f"export TRAYCAL_DATA_DIR='{data}'\nunset TRAYCAL_TRAY_DUMP\n")
    if status:
        sys.exit(status)

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
