"""End-to-end tests of the Traycal app (see run.sh for the environment).

The real app binary runs in a real WebKit webview driven by tauri-driver. The tests
add an ICS subscription through the settings window, see its events in the agenda
and in the tray menu (read over D-Bus through the StatusNotifierItem, and in the
model dump the menu is built from), check that a hostile description renders as
text and runs nothing, remove the subscription, and write screenshots.
"""
import datetime as dt
import json
import os
import subprocess
import sys
import time
import traceback

from webdriver import Session, processes_of

W = os.environ["E2E_WORK"]
OUT = os.environ["E2E_OUT"]
HERE = os.path.dirname(os.path.abspath(__file__))
PWNED = "window.__pwned"


def ics_time(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def write_feed():
    now = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    standup = now + dt.timedelta(minutes=30)
    review = now + dt.timedelta(minutes=90)
    events = [
        ("standup@e2e", standup, 15, "E2E Standup", "https://meet.google.com/abc-defg-hij", "Daily sync."),
        ("review@e2e", review, 45, "E2E Hostile review", "Room 4.2",
         '<img src=x onerror="window.__pwned=1"> and <script>window.__pwned=2</script> end.'),
    ]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//traycal e2e//EN", "X-WR-CALNAME:E2E Team"]
    for uid, start, minutes, summary, location, description in events:
        lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{ics_time(now)}",
                  f"DTSTART:{ics_time(start)}", f"DTEND:{ics_time(start + dt.timedelta(minutes=minutes))}",
                  f"SUMMARY:{summary}", f"LOCATION:{location}",
                  "DESCRIPTION:" + description.replace(",", "\\,").replace(";", "\\;"), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    with open(os.path.join(W, "feeds", "team.ics"), "w", encoding="utf-8") as f:
        f.write("\r\n".join(lines) + "\r\n")
    return os.environ["E2E_FEED_URL"] + "/team.ics"


ROTA_MTIME = [0.0]


def write_rota(events):
    """A rota feed of `events` daily shifts from tomorrow on (0: a valid empty calendar)."""
    day = dt.datetime.now(dt.timezone.utc).replace(hour=9, minute=0, second=0, microsecond=0)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//traycal e2e//EN", "X-WR-CALNAME:E2E Rota"]
    for i in range(events):
        start = day + dt.timedelta(days=i + 1)
        lines += ["BEGIN:VEVENT", f"UID:shift-{i}@e2e", f"DTSTAMP:{ics_time(day)}",
                  f"DTSTART:{ics_time(start)}", f"DTEND:{ics_time(start + dt.timedelta(hours=8))}",
                  f"SUMMARY:E2E Shift {i}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    path = os.path.join(W, "feeds", "rota.ics")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\r\n".join(lines) + "\r\n")
    # Each version strictly later than the one fetched before, whatever the clock's
    # resolution (the feed server answers If-Modified-Since from the file's mtime).
    ROTA_MTIME[0] = max(ROTA_MTIME[0], time.time()) + 10
    os.utime(path, (ROTA_MTIME[0], ROTA_MTIME[0]))
    return os.environ["E2E_FEED_URL"] + "/rota.ics"


def check_held_deletions(s, item):
    """A rota whose feed suddenly lists nothing: the sync stops and asks (Settings and
    the tray say so), and "Keep my events" keeps all 30 shifts."""
    s.switch_to_window("settings")
    url = write_rota(30)
    field = s.wait_for('[data-testid="add-url"]')[0]
    field.clear()
    field.type(url)
    s.wait_for('[data-testid="add-test"]')[0].click()
    s.wait_for('[data-testid="preview-count"]', text="30")
    s.wait_for('[data-testid="add-save"]')[0].click()
    row = s.wait_for('[data-testid="source-row"]', text="30 events", timeout=30)[0]
    rota_id = row.attr("data-source-id")
    write_rota(0)
    s.wait_for(f'[data-testid="source-row"][data-source-id="{rota_id}"] [data-testid="source-sync"]')[0].click()
    held = s.wait_for(f'[data-testid="source-row"][data-source-id="{rota_id}"] [data-testid="source-held"]',
                      timeout=30)[0]
    assert "30 of your 30 upcoming events" in held.text(), held.text()
    wait_tray(item, lambda l: any("Decide in Settings" in x for x in l), "says a sync waits for a decision")
    shot(s, "settings-held-deletions.png")
    s.wait_for(f'[data-testid="source-row"][data-source-id="{rota_id}"] [data-testid="held-keep"]')[0].click()
    s.wait_for(f'[data-testid="source-row"][data-source-id="{rota_id}"] [data-testid="source-held"]', count=0,
               timeout=30)
    # The shifts are all still there.
    s.wait_for(f'[data-testid="source-row"][data-source-id="{rota_id}"]', text="30 events")
    s.wait_for(f'[data-testid="source-row"][data-source-id="{rota_id}"] [data-testid="source-remove"]')[0].click()
    s.wait_for('[data-testid="confirm-remove"]')[0].click()
    s.wait_for(f'[data-testid="source-row"][data-source-id="{rota_id}"]', count=0)


def window_opened(title, timeout=30):
    """Waits for the X window, then lets it settle: WebKitWebDriver has dropped its
    connection when a browsing context was switched to while it was being created.
    A search can fail outright (BadWindow) when another window is destroyed while it
    walks the tree (the welcome window closes as Settings opens): it is asked again."""
    deadline = time.time() + timeout
    while True:
        found = subprocess.run(["xdotool", "search", "--name", title], timeout=timeout,
                               capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip():
            break
        if time.time() > deadline:
            raise AssertionError(f"no window {title!r} after {timeout} s: {found.stderr.strip()}")
        time.sleep(0.2)
    time.sleep(1.5)


WINDOW_TITLES = {
    "welcome": "Welcome to Traycal",
    "settings": "Traycal — Settings",
    "agenda": "Traycal — Agenda",
}


def shot(s, name):
    """Screenshot of the current window, taken from the X server (`import`): WebKit's
    own snapshot (WebDriver's screenshot command) has hung its web process here."""
    time.sleep(1.0)  # the next frame, not the previous one
    title = WINDOW_TITLES[s.label()]
    wid = subprocess.run(["xdotool", "search", "--name", title], check=True, capture_output=True,
                         text=True, timeout=10).stdout.split()[0]
    # On top first: there is no window manager, and `import` copies what is visible.
    subprocess.run(["xdotool", "windowraise", wid], check=True, timeout=10)
    time.sleep(0.5)
    subprocess.run(["import", "-window", wid, os.path.join(OUT, name)], check=True, timeout=20)


def tray_item():
    path = os.path.join(W, "sni.log")
    deadline = time.time() + 20
    while time.time() < deadline:
        if os.path.exists(path):
            lines = [l.strip() for l in open(path, encoding="utf-8") if l.strip()]
            if lines:
                return lines[-1]
        time.sleep(0.2)
    raise AssertionError("the tray icon never registered with the StatusNotifierWatcher")


def tray_menu(item):
    out = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "tray_menu.py"), item],
                         check=True, capture_output=True, text=True, timeout=10).stdout
    return json.loads(out)


def wait_tray(item, predicate, what, timeout=20):
    deadline = time.time() + timeout
    labels = []
    while time.time() < deadline:
        labels = [m["label"] for m in tray_menu(item)]
        if predicate(labels):
            return labels
        time.sleep(0.3)
    raise AssertionError(f"tray menu: {what}; menu is {labels}")


def tray_dump():
    with open(os.path.join(W, "tray.json"), encoding="utf-8") as f:
        return json.load(f)


def click_tray(item, label):
    for m in tray_menu(item):
        if m["label"] == label:
            subprocess.run(["/usr/bin/python3", os.path.join(HERE, "tray_menu.py"), item, "--click", str(m["id"])],
                           check=True, timeout=10)
            return
    raise AssertionError(f"no tray menu item {label!r}")


def test_subscribe_see_and_remove(s):
    # First run: the welcome window.
    s.switch_to_window("welcome")
    s.wait_for('[data-testid="welcome-view"]')
    shot(s, "welcome.png")
    item = tray_item()
    labels = wait_tray(item, lambda l: "Open agenda" in l, "has Open agenda")
    assert "No calendars yet" in labels, labels

    s.wait_for('[data-testid="welcome-add"]')[0].click()
    window_opened("Traycal — Settings")
    s.switch_to_window("settings")
    s.wait_for('[data-testid="settings-view"]')
    # Start at login: the checkbox writes an XDG autostart entry that starts the tray only.
    s.wait_for('[data-testid="autostart"]')[0].click()
    # (the auto-launch crate writes under $HOME/.config, whatever XDG_CONFIG_HOME says)
    dirs = [os.path.join(os.environ["XDG_CONFIG_HOME"], "autostart"),
            os.path.join(os.environ["HOME"], ".config", "autostart")]
    deadline = time.time() + 10
    found = []
    while time.time() < deadline and not found:
        found = [os.path.join(d, f) for d in dirs if os.path.isdir(d) for f in os.listdir(d)]
        time.sleep(0.2)
    assert found, f"no autostart entry written in {dirs}"
    entry = open(found[0], encoding="utf-8").read()
    assert "--hidden" in entry, entry
    url = write_feed()
    s.wait_for('[data-testid="add-url"]')[0].type(url)
    s.wait_for('[data-testid="add-test"]')[0].click()
    count = s.wait_for('[data-testid="preview-count"]', text="2")[0].text()
    assert "2" in count, count
    preview = s.wait_for('[data-testid="preview"]')[0].text()
    assert "E2E Standup" in preview, preview
    shot(s, "settings-preview.png")
    s.wait_for('[data-testid="add-save"]')[0].click()
    row = s.wait_for('[data-testid="source-row"]', text="E2E Team", timeout=30)[0]
    source_id = row.attr("data-source-id")
    assert source_id, "source row without data-source-id"

    # The tray lists the events, with a Join entry for the one with a Meet link.
    labels = wait_tray(item, lambda l: any("E2E Standup" in x for x in l), "lists E2E Standup", timeout=30)
    assert any("E2E Hostile review" in x for x in labels), labels
    assert any(x.strip() == "Join (Google Meet)" for x in labels), labels
    assert any(x.startswith("Join next meeting: E2E Standup") for x in labels), labels
    model = tray_dump()
    assert any(i.get("text", "").find("E2E Standup") >= 0 for i in model["items"]), model
    assert model["tooltip"].startswith("E2E Standup in "), model["tooltip"]
    shot(s, "settings-sources.png")

    # Open the agenda from the tray menu.
    click_tray(item, "Open agenda")
    window_opened("Traycal — Agenda")
    s.switch_to_window("agenda")
    s.wait_for('[data-testid="agenda-view"]')
    entries = s.wait_for('[data-testid="agenda-entry"]', text="E2E Hostile review", timeout=20)
    shot(s, "agenda.png")
    entries[0].click()
    pane = s.wait_for('[data-testid="event-detail"]')[0]
    desc = s.wait_for('[data-testid="event-description"]')[0].text()
    assert '<img src=x onerror="window.__pwned=1">' in desc, desc
    assert "<script>window.__pwned=2</script>" in desc, desc
    assert pane.find_all("img") == [] and pane.find_all("script") == [], "markup from the feed was rendered"
    time.sleep(1.0)
    assert s.script(f"return {PWNED} === undefined;") is True, "script from the feed ran"
    shot(s, "agenda-detail.png")

    # Week view (details closed).
    s.wait_for('[data-testid="detail-close"]')[0].click()
    s.wait_for('[data-testid="event-detail"]', count=0)
    s.wait_for('[data-testid="view-week"]')[0].click()
    now_line = s.wait_for('[data-testid="now-line"]')[0]
    color = s.script("const c = getComputedStyle(arguments[0]); return [c.borderTopColor, c.borderTopWidth, c.top];",
                     {"element-6066-11e4-a52e-4f735466cecf": now_line.id})
    assert color[0] not in ("rgba(0, 0, 0, 0)", "transparent") and color[1] != "0px", f"now line invisible: {color}"
    shot(s, "agenda-week.png")
    s.wait_for('[data-testid="view-day"]')[0].click()

    # Join from the agenda: the opener gets the Meet link.
    standup = s.wait_for('[data-testid="agenda-entry"]', text="E2E Standup")[0]
    standup.click()
    s.wait_for('[data-testid="event-join"]')[0].click()
    opened = os.path.join(W, "opened.log")
    deadline = time.time() + 10
    while time.time() < deadline and not os.path.exists(opened):
        time.sleep(0.2)
    with open(opened, encoding="utf-8") as f:
        assert f.read().split() == ["https://meet.google.com/abc-defg-hij"]

    check_held_deletions(s, item)

    # Remove it in the settings window, with confirmation.
    s.switch_to_window("settings")
    s.wait_for(f'[data-testid="source-row"][data-source-id="{source_id}"] [data-testid="source-remove"]')[0].click()
    shot(s, "settings-confirm-remove.png")
    s.wait_for('[data-testid="confirm-remove"]')[0].click()
    s.wait_for('[data-testid="source-row"]', count=0)
    wait_tray(item, lambda l: not any("E2E" in x for x in l), "has no E2E events after removal")
    s.switch_to_window("agenda")
    s.wait_for('[data-testid="agenda-entry"]', count=0)

    # Closing every window (Ctrl+W, as a user) ends the window process, and WebKit's
    # processes with it: the tray process never had a webview, so nothing of WebKit is
    # left. It keeps running in the tray.
    app_pid = tray_process(os.environ["E2E_REAL_APP"])
    before = descendants(app_pid)
    assert any(c == "traycal-window" for c in before.values()), f"no window process? {before}"
    assert any(c.startswith("WebKit") for c in before.values()), f"no WebKit process? {before}"
    window_pid = next(p for p, c in before.items() if c == "traycal-window")
    # What WebKit loads into the process that creates a webview (its web context sets up
    # EGL, with Mesa's LLVM, among others) is in the window process only.
    webkit_only = mapped_files(window_pid) - mapped_files(app_pid)
    assert any("EGL" in f or "LLVM" in f for f in webkit_only), sorted(webkit_only)
    for title in WINDOW_TITLES.values():
        close_window(title)
    # WebKit's processes end after the window process; on 2 busy cores that takes a while.
    deadline = time.time() + 40
    while time.time() < deadline and descendants(app_pid):
        time.sleep(0.2)
    left = {pid: (name, process_state(pid)) for pid, name in descendants(app_pid).items()}
    assert not left, f"processes left with no window (pid: name, state): {left}"
    assert tray_process(os.environ["E2E_REAL_APP"]) == app_pid, "the tray process ended"
    # A window opens again afterwards, in a new window process. (WebKitWebDriver's
    # session was with the one that ended, so from here on the test looks at the X
    # window instead of going through WebDriver.)
    click_tray(item, "Open agenda")
    window_opened("Traycal — Agenda")
    wid = subprocess.run(["xdotool", "search", "--name", "Traycal — Agenda"], check=True, capture_output=True,
                         text=True, timeout=10).stdout.split()[0]
    path = os.path.join(OUT, "agenda-reopened.png")
    colours = 0
    deadline = time.time() + 20
    while time.time() < deadline and colours < 64:
        time.sleep(1.0)
        subprocess.run(["import", "-window", wid, path], check=True, timeout=20)
        colours = int(subprocess.run(["identify", "-format", "%k", path], check=True, capture_output=True,
                                     text=True, timeout=20).stdout)
    # A blank or unrendered webview is one or two colours; the agenda's text is anti-aliased.
    assert colours >= 64, f"the reopened agenda did not render ({colours} colours, see {path})"
    after = descendants(app_pid)
    assert "WebKitWebProces" in after.values(), after
    assert not set(after) & set(before), f"the old window process is still there: {before} {after}"
    # The tray process itself never loaded what WebKit needs, windows or not: not even
    # WebKit's own library (the tray program does not link it).
    tray_maps = mapped_files(app_pid)
    loaded = tray_maps & webkit_only
    assert not loaded, f"the tray process loaded WebKit's libraries: {sorted(loaded)}"
    webkit = [f for f in tray_maps if "webkit" in f.lower() or "javascriptcore" in f.lower()]
    assert not webkit, f"the tray process maps {webkit}"

    # A second launch hands over to the running instance (over the session bus) and
    # exits; the running one shows itself: the welcome window here, as the test's only
    # calendar was removed (with one, the agenda). Still one tray process.
    close_window(WINDOW_TITLES["agenda"])
    # WebKit's processes end after the window process; on 2 busy cores that takes a while.
    deadline = time.time() + 40
    while time.time() < deadline and descendants(app_pid):
        time.sleep(0.2)
    left = {pid: (name, process_state(pid)) for pid, name in descendants(app_pid).items()}
    assert not left, f"processes left with no window (pid: name, state): {left}"
    second = subprocess.run([os.environ["E2E_REAL_APP"], "--agenda"], capture_output=True, text=True,
                            timeout=30)
    assert second.returncode == 0, f"the second launch failed: {second.stderr}"
    window_opened(WINDOW_TITLES["welcome"])
    assert tray_process(os.environ["E2E_REAL_APP"]) == app_pid, "the second launch became a tray process"
    assert "traycal-window" in descendants(app_pid).values(), descendants(app_pid)


def close_window(title):
    """Closes the app window with this title, if open, by pressing Ctrl+W in it."""
    found = subprocess.run(["xdotool", "search", "--name", title], capture_output=True, text=True,
                           timeout=10).stdout.split()
    for wid in found:
        subprocess.run(["xdotool", "windowfocus", "--sync", wid, "key", "ctrl+w"], check=True, timeout=10)


def parent_and_name(pid):
    """(ppid, command name) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            stat = f.read()
    except OSError:
        return None
    # "pid (comm) state ppid …": comm may hold spaces and parentheses.
    return int(stat[stat.rfind(")") + 2:].split()[1]), stat[stat.find("(") + 1:stat.rfind(")")]


def mapped_files(pid):
    """Paths of the files a process maps."""
    with open(f"/proc/{pid}/maps", encoding="utf-8") as f:
        return {line.split(None, 5)[5].strip() for line in f if len(line.split(None, 5)) == 6
                and line.split(None, 5)[5].startswith("/")}


def tray_process(executable):
    """Pid of the app's tray process: the process of `executable` whose parent is not
    one (the window process is its child)."""
    pids = processes_of(executable)
    trays = [p for p in pids if (parent_and_name(p) or (0, ""))[0] not in pids]
    assert len(trays) == 1, f"expected one tray process, found {trays} among {pids}"
    return trays[0]


def process_state(pid):
    """The state letter of a process (R, S, Z for a zombie not yet reaped...), or '-'."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "-"


def descendants(pid):
    """{pid: command name} of every process below `pid`."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = parent_and_name(int(entry))
            if info:
                table[int(entry)] = info
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, name) in table.items():
            if ppid == parent and child not in found:
                found[child] = name
                frontier.append(child)
    return found


def run_session(test, args=(), app_env=""):
    """Runs `test(session)` in a WebDriver session of the app (started with `args`, and
    with `app_env`, shell lines such as `export K=V`, sourced by the app's wrapper):
    reports, screenshots the screen on failure, always stops the app; returns the exit
    status (0 when it passed)."""
    env_file = os.path.join(os.environ["E2E_WORK"], "app.env")
    if app_env:
        with open(env_file, "w", encoding="utf-8") as f:
            f.write(app_env)
    failed = False
    try:
        s = Session(os.environ["E2E_DRIVER_URL"], os.environ["E2E_APP"], args=args)
    except Exception:
        if app_env:
            os.remove(env_file)
        raise
    try:
        test(s)
        print(f"e2e: {test.__name__} ok")
    except Exception:  # noqa: BLE001 - report, screenshot, fail
        failed = True
        traceback.print_exc()
        subprocess.run(["import", "-window", "root", os.path.join(OUT, f"failure-{test.__name__}.png")],
                       check=False)
    finally:
        s.quit(os.environ["E2E_REAL_APP"])
        if app_env:
            os.remove(env_file)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run_session(test_subscribe_see_and_remove))
