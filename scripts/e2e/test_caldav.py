"""End-to-end test of a CalDAV account in the app (issue 15), against a real Radicale
started here on 127.0.0.1 (../shared/servers/radicale/start.sh):

- Settings → Add account: a wrong password is refused in plain words and nothing is
  added; the right one lists the calendar found;
- the account's series, put on the server by another client, shows in the agenda;
- New event (the toolbar button) → the editor → Save: the event shows at once and
  is found on the server, read back over plain HTTP;
- one occurrence of the series edited with "This occurrence only": the server holds
  an override (RECURRENCE-ID) with the new title, and no EXDATE;
- an event deleted from the detail pane is gone from the server, and Undo (in the
  notice that says it was deleted) puts it back, on the server too.

It writes the README's screenshots of the account dialog, the editor, the scope
question and the notice with Undo.
"""
import base64
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

from test_app import HERE, W, click_tray, run_session, shot, tray_item, window_opened
from test_first_hour import settings_from_welcome
from webdriver import WebDriverError

DATA = os.path.join(W, "traycal-caldav")
SERVERS = os.path.realpath(os.path.join(HERE, "..", "..", "..", "shared", "servers"))
AUTH = "Basic " + base64.b64encode(b"alice:secret").decode()
TOMORROW = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).replace(hour=10, minute=0, second=0,
                                                                              microsecond=0)


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_radicale():
    port = free_port()
    out = subprocess.run(["bash", os.path.join(SERVERS, "radicale", "start.sh"), os.path.join(W, "radicale"),
                          str(port)], check=True, capture_output=True, text=True, timeout=600).stdout
    ready = [l for l in out.splitlines() if l.startswith("READY")]
    assert ready, f"radicale did not say READY: {out}"
    pid = int(re.search(r"pid=(\d+)", ready[0]).group(1))
    return f"http://127.0.0.1:{port}", pid


def stop(pid):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers={"Authorization": AUTH, **(headers or {})})
    with urllib.request.urlopen(req, timeout=20) as r:
        return r.status, r.read().decode("utf-8", "replace")


def ics_time(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


def put_series(base):
    """A daily series of four from tomorrow, written by another client."""
    text = "\r\n".join([
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//other client//EN", "BEGIN:VEVENT", "UID:series@e2e",
        f"DTSTAMP:{ics_time(TOMORROW)}", f"DTSTART:{ics_time(TOMORROW)}",
        f"DTEND:{ics_time(TOMORROW + dt.timedelta(minutes=30))}", "RRULE:FREQ=DAILY;COUNT=4",
        "SUMMARY:E2E Series", "END:VEVENT", "END:VCALENDAR"]) + "\r\n"
    status, _ = http("PUT", f"{base}/alice/calendar/series.ics", text.encode(),
                     {"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"})
    assert status in (201, 204), status


def server_text(base):
    """Every object of alice's calendar, as Radicale's GET of the collection gives them."""
    return http("GET", f"{base}/alice/calendar/")[1]


def wait_server(base, predicate, what, timeout=60):
    deadline = time.time() + timeout
    text = ""
    while time.time() < deadline:
        text = server_text(base)
        if predicate(text):
            return text
        time.sleep(0.5)
    raise AssertionError(f"the server never had {what}; it holds:\n{text}")


def set_field(s, testid, value):
    """Sets an input as typing would (date and time inputs have no keyboard form in WebKitGTK's driver)."""
    el = s.wait_for(f'[data-testid="{testid}"]')[0]
    s.script("const e = arguments[0]; e.value = arguments[1];"
             "e.dispatchEvent(new Event('input', {bubbles: true}));"
             "e.dispatchEvent(new Event('change', {bubbles: true}));",
             {"element-6066-11e4-a52e-4f735466cecf": el.id}, value)


def wait_gone(s, css, text, timeout=20):
    """Until no element matching `css` says `text`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if not any(text in e.text() for e in s.find_all(css)):
                return
        except WebDriverError:
            pass  # an element went away while it was read: ask again
        time.sleep(0.25)
    raise AssertionError(f"{text!r} still shows after {timeout} s")


def entry_texts(s, text):
    """The texts of the agenda's entries that say `text`, read in the page at once
    (the list re-renders whenever a sync writes: elements found one call earlier may
    be gone)."""
    return s.script(
        "return [...document.querySelectorAll('[data-testid=\"agenda-entry\"]')]"
        ".map(e => e.innerText).filter(t => t.includes(arguments[0]));", text)


def click_entry(s, text, index):
    """Clicks the `index`-th agenda entry that says `text`, found and clicked in one
    step of the page (see `entry_texts`)."""
    deadline = time.time() + 20
    while time.time() < deadline:
        clicked = s.script(
            "const hits = [...document.querySelectorAll('[data-testid=\"agenda-entry\"]')]"
            ".filter(e => e.innerText.includes(arguments[0]));"
            "if (hits.length <= arguments[1]) return false; hits[arguments[1]].click(); return true;",
            text, index)
        if clicked:
            return
        time.sleep(0.25)
    raise AssertionError(f"no agenda entry #{index} saying {text!r}: {entry_texts(s, '')}")


def unfold(text):
    return text.replace("\r\n ", "").replace("\n ", "")


def test_caldav(s, base):
    settings_from_welcome(s)

    # Add account: a wrong password first.
    s.wait_for('[data-testid="add-account"]')[0].click()
    s.wait_for('[data-testid="account-dialog"]')
    s.wait_for('[data-testid="preset-other"]')[0].click()
    s.wait_for('[data-testid="account-server"]')[0].type(base + "/")
    s.wait_for('[data-testid="account-user"]')[0].type("alice")
    s.wait_for('[data-testid="account-password"]')[0].type("wrong")
    s.wait_for('[data-testid="account-sign-in"]')[0].click()
    err = s.wait_for('[data-testid="account-error"]', timeout=30)[0].text()
    assert "password" in err.lower() or "refused" in err.lower(), err
    assert s.wait_for('[data-testid="source-row"]', count=0) == []
    # Then the right one.
    s.wait_for('[data-testid="account-password"]')[0].type("secret")
    s.wait_for('[data-testid="account-name"]')[0].type("Alice on Radicale")
    shot(s, "account-dialog.png")
    s.wait_for('[data-testid="account-sign-in"]')[0].click()
    found = s.wait_for('[data-testid="account-calendars"]', timeout=30)[0].text()
    assert "calendar" in found.lower(), found
    shot(s, "account-added.png")
    s.wait_for('[data-testid="account-done"]')[0].click()
    s.wait_for('[data-testid="source-row"]', text="Alice on Radicale", timeout=30)
    # The first sync brings the series in (one event, four occurrences).
    s.wait_for('[data-testid="source-row"]', text="1 event ", timeout=60)
    # The account's calendar, with its own settings, under it.
    s.wait_for('[data-testid="calendar-settings"] [data-testid="calendar-direction"]')
    shot(s, "settings-account.png")

    # The agenda shows it.
    open_agenda(s)
    s.wait_for('[data-testid="agenda-entry"]', text="E2E Series", timeout=30)
    assert len(entry_texts(s, "E2E Series")) >= 3, entry_texts(s, "")

    # A new event from the editor.
    s.wait_for('[data-testid="new-event"]')[0].click()
    s.wait_for('[data-testid="event-editor"]')
    s.wait_for('[data-testid="editor-title"]')[0].type("E2E Created here")
    day = TOMORROW.astimezone().date().isoformat()
    set_field(s, "editor-start-date", day)
    set_field(s, "editor-start-time", "15:00")
    set_field(s, "editor-end-date", day)
    set_field(s, "editor-end-time", "16:00")
    set_field(s, "editor-location", "Room 2")
    shot(s, "event-editor.png")
    s.wait_for('[data-testid="editor-save"]')[0].click()
    s.wait_for('[data-testid="event-editor"]', count=0, timeout=20)
    s.wait_for('[data-testid="agenda-entry"]', text="E2E Created here", timeout=20)
    created = wait_server(base, lambda t: "SUMMARY:E2E Created here" in unfold(t), "the event created in the editor")
    assert "LOCATION:Room 2" in unfold(created), created

    # One occurrence of the series, "this occurrence only".
    click_entry(s, "E2E Series", 1)
    s.wait_for('[data-testid="event-detail"]')
    s.wait_for('[data-testid="event-edit"]')[0].click()
    s.wait_for('[data-testid="scope-question"]')
    shot(s, "scope-question.png")
    s.wait_for('[data-testid="scope-this"]')[0].click()
    title = s.wait_for('[data-testid="editor-title"]', timeout=20)[0]
    title.clear()
    title.type("E2E Series (this one)")
    s.wait_for('[data-testid="editor-save"]')[0].click()
    s.wait_for('[data-testid="event-editor"]', count=0, timeout=20)
    s.wait_for('[data-testid="agenda-entry"]', text="E2E Series (this one)", timeout=20)
    second = TOMORROW + dt.timedelta(days=1)
    text = wait_server(base, lambda t: "SUMMARY:E2E Series (this one)" in unfold(t), "the edited occurrence")
    text = unfold(text)
    assert re.search(r"RECURRENCE-ID[^:\r\n]*:" + second.strftime("%Y%m%dT%H%M%S"), text), text
    assert "EXDATE" not in text, text
    assert "RRULE:FREQ=DAILY;COUNT=4" in text, text

    # Delete the created event from the detail pane.
    click_entry(s, "E2E Created here", 0)
    s.wait_for('[data-testid="event-delete"]')[0].click()
    s.wait_for('[data-testid="scope-all"]')[0].click()
    wait_gone(s, '[data-testid="agenda-entry"]', "E2E Created here")
    shot(s, "undo-notice.png")
    # Within the 20 s the notice offers Undo (the delete is pushed at once).
    wait_server(base, lambda t: "E2E Created here" not in unfold(t), "the created event deleted", timeout=12)

    # Undo: the event is back, here and on the server (a creation with its UID).
    s.wait_for('[data-testid="undo"]')[0].click()
    s.wait_for('[data-testid="agenda-entry"]', text="E2E Created here", timeout=20)
    back = wait_server(base, lambda t: "SUMMARY:E2E Created here" in unfold(t), "the deleted event put back")
    assert "LOCATION:Room 2" in unfold(back), back


def open_agenda(s):
    click_tray(tray_item(), "Open agenda")
    window_opened("Traycal — Agenda")
    s.switch_to_window("agenda")
    s.wait_for('[data-testid="agenda-view"]')


def main():
    base, pid = start_radicale()
    try:
        put_series(base)
        def test_caldav_account(s):
            test_caldav(s, base)

        status = run_session(test_caldav_account, app_env=f"export TRAYCAL_DATA_DIR='{DATA}'\n")
    finally:
        stop(pid)
    sys.exit(status)


if __name__ == "__main__":
    main()
