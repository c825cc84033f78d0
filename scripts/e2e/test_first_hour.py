"""End-to-end test of a new user's first hour (issue "First impressions"), with the
engine's clock pinned to a Sunday evening (TRAYCAL_NOW; the windows follow it):

- Settings is in sections, and each section shows when its entry is chosen;
- a connection refused reads in plain words, the technical detail behind a disclosure;
- a local .ics file is added by its path;
- a source the CLI adds appears in the open Settings window within 2 s;
- the week grid on a Sunday evening shows the coming days' events;
- the detail pane stays full height after the list has scrolled.

It writes the README's screenshots of the week grid, the detail pane, the settings
sections and an error.
"""
import datetime as dt
import os
import subprocess
import sys
import time

from test_app import W, run_session, shot, window_opened
from webdriver import WebDriverError

DATA = os.path.join(W, "traycal-first-hour")


def pinned_sunday_evening():
    """The coming Sunday (or today's), 20:00 local time, and its UTC form."""
    today = dt.datetime.now().astimezone().replace(hour=20, minute=0, second=0, microsecond=0)
    sunday = today + dt.timedelta(days=(6 - today.weekday()) % 7)
    return sunday


SUNDAY = pinned_sunday_evening()


def ics_time(t):
    return t.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def write_week_feed():
    """Meetings on the working days after the pinned Sunday, enough to scroll."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//traycal e2e//EN", "X-WR-CALNAME:E2E Week"]
    n = 0
    for day in range(1, 6):
        for hour in (9, 10, 11, 13, 14, 15, 16):
            start = (SUNDAY + dt.timedelta(days=day)).replace(hour=hour)
            title = "E2E Monday planning" if (day, hour) == (1, 10) else f"E2E Meeting {n}"
            lines += ["BEGIN:VEVENT", f"UID:week-{n}@e2e", f"DTSTAMP:{ics_time(SUNDAY)}",
                      f"DTSTART:{ics_time(start)}", f"DTEND:{ics_time(start + dt.timedelta(minutes=45))}",
                      f"SUMMARY:{title}",
                      "LOCATION:https://example.org/a/very/long/path/that/goes/on/and/on/" + "x" * 80,
                      "END:VEVENT"]
            n += 1
    lines.append("END:VCALENDAR")
    with open(os.path.join(W, "feeds", "week.ics"), "w", encoding="utf-8") as f:
        f.write("\r\n".join(lines) + "\r\n")
    return os.environ["E2E_FEED_URL"] + "/week.ics"


def write_local_file():
    path = os.path.join(W, "home", "My calendars", "rota.ics")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    start = SUNDAY + dt.timedelta(days=2)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\r\n".join([
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//traycal e2e//EN", "X-WR-CALNAME:E2E Local rota",
            "BEGIN:VEVENT", "UID:shift@e2e", f"DTSTAMP:{ics_time(SUNDAY)}", f"DTSTART:{ics_time(start)}",
            f"DTEND:{ics_time(start + dt.timedelta(hours=8))}", "SUMMARY:E2E Local shift", "END:VEVENT",
            "END:VCALENDAR"]) + "\r\n")
    return path


def add(s, address):
    field = s.wait_for('[data-testid="add-url"]')[0]
    field.clear()
    field.type(address)
    s.wait_for('[data-testid="add-test"]')[0].click()


def settings_from_welcome(s):
    """First run: the welcome window's "Add a calendar" opens Settings."""
    s.switch_to_window("welcome")
    try:
        s.wait_for('[data-testid="welcome-add"]')[0].click()
    except WebDriverError as e:
        # The click closes the welcome window: its answer may come from a window gone.
        if "no such window" not in str(e):
            raise
    window_opened("Traycal — Settings")
    s.switch_to_window("settings")
    s.wait_for('[data-testid="settings-view"]')


def test_first_hour(s):
    settings_from_welcome(s)

    # Sections: each entry shows its own panel.
    for section in ["reminders", "shortcut", "preferences", "sync-log", "about", "calendars"]:
        s.wait_for(f'[data-testid="section-{section}"]')[0].click()
        current = s.wait_for('[aria-current="page"]')[0]
        assert current.attr("data-testid") == f"section-{section}", current.attr("data-testid")
        if section == "preferences":
            s.wait_for('[data-testid="pref-clock"]')
            shot(s, "settings-sections.png")

    # A connection refused, in plain words; the detail behind a disclosure.
    add(s, "http://127.0.0.1:9/cal.ics")
    note = s.wait_for('[data-testid="error"]', text="Could not reach 127.0.0.1:9", timeout=30)[0]
    assert "os error" not in note.text(), note.text()
    s.wait_for('[data-testid="error"] details')
    shot(s, "settings-error.png")

    # A local file, by its path (a space in it too).
    path = write_local_file()
    add(s, path)
    s.wait_for('[data-testid="preview-count"]', text="1", timeout=30)
    s.wait_for('[data-testid="add-save"]')[0].click()
    s.wait_for('[data-testid="source-row"]', text="E2E Local rota", timeout=30)

    # A source added by the command line shows in the open window within 2 s.
    url = write_week_feed()
    env = dict(os.environ, TRAYCAL_DATA_DIR=DATA, TRAYCAL_NOW=SUNDAY.astimezone(dt.timezone.utc).isoformat())
    subprocess.run([os.environ["E2E_CLI"], "add-ics", url, "--name", "E2E CLI week", "--sync"], env=env,
                   check=True, capture_output=True, timeout=60)
    added = time.monotonic()
    s.wait_for('[data-testid="source-row"]', text="E2E CLI week", timeout=5)
    seen = time.monotonic() - added
    assert seen <= 2.0, f"the CLI's source appeared after {seen:.1f} s"
    print(f"e2e: first hour: the CLI's source appeared in Settings after {seen:.2f} s")

    # The agenda on a Sunday evening: the week grid shows the coming days.
    s.script("return window.__TAURI_INTERNALS__.invoke('open_window', { window: 'agenda' });")
    window_opened("Traycal — Agenda")
    s.switch_to_window("agenda")
    s.wait_for('[data-testid="view-week"]')[0].click()
    s.wait_for('[data-testid="agenda-entry"]', text="E2E Monday planning", timeout=30)
    s.wait_for('[data-testid="now-line"]')
    shot(s, "agenda-week.png")

    # The detail pane after the list has scrolled: full height, its own scroll.
    s.wait_for('[data-testid="view-day"]')[0].click()
    rows = s.wait_for('[data-testid="agenda-entry"]', text="E2E Meeting", timeout=30)
    last = rows[-1]
    s.script("arguments[0].scrollIntoView({block: 'end'});", {"element-6066-11e4-a52e-4f735466cecf": last.id})
    last.click()
    pane = s.wait_for('[data-testid="event-detail"]')[0]
    rect = s.script(
        "const r = arguments[0].getBoundingClientRect();"
        "return [r.top, r.bottom, window.innerHeight, arguments[0].scrollWidth <= arguments[0].clientWidth];",
        {"element-6066-11e4-a52e-4f735466cecf": pane.id})
    top, bottom, height, no_sideways = rect
    assert bottom >= height - 2 and bottom - top >= height * 0.8, f"detail pane {top}..{bottom} of {height}"
    assert no_sideways, "a long URL made the detail pane scroll sideways"
    shot(s, "agenda-detail.png")


def main():
    now = SUNDAY.astimezone(dt.timezone.utc).isoformat()
    sys.exit(run_session(test_first_hour, app_env=f"export TRAYCAL_DATA_DIR='{DATA}' TRAYCAL_NOW='{now}'\n"))


if __name__ == "__main__":
    main()
