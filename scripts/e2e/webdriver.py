"""A small W3C WebDriver client (standard library only) for tauri-driver.

Only what the end-to-end tests use: sessions, window handles, finding elements by
CSS selector, clicking, typing, reading text and attributes, running a script and
screenshots. Every wait has a deadline and fails with what it was waiting for.
"""
import base64
import http.client
import os
import json
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
TRACE = bool(os.environ.get("E2E_TRACE"))


class WebDriverError(Exception):
    pass


def processes_of(executable):
    """Pids of the processes running `executable` (by /proc/PID/exe, so neither the
    test harness, whose arguments name the binary, nor another build is touched)."""
    target = os.path.realpath(executable)
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.path.realpath(f"/proc/{entry}/exe") == target:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def stop_processes_of(executable, timeout=5.0):
    """Stops every process running `executable` and waits for them to end."""
    for pid in processes_of(executable):
        try:
            os.kill(pid, 15)
        except OSError:
            pass
    deadline = time.time() + timeout
    while time.time() < deadline and processes_of(executable):
        time.sleep(0.1)


class Session:
    def __init__(self, url, application, timeout=60, args=()):
        self.url = url.rstrip("/")
        options = {"application": application, "args": list(args)}
        caps = {"capabilities": {"alwaysMatch": {"tauri:options": options}}}
        value = self._request("POST", "/session", caps, timeout=timeout)
        self.id = value["sessionId"]

    def _request(self, method, path, body=None, timeout=30):
        # tauri-driver proxies to WebKitWebDriver over pooled keep-alive connections;
        # when WebKitWebDriver has closed an idle one, tauri-driver fails the request
        # before sending it ("client error (SendRequest)") and drops ours. Such a
        # request never reached the browser, so one retry is safe.
        try:
            return self._request_once(method, path, body, timeout)
        except (http.client.RemoteDisconnected, ConnectionResetError) as e:
            print(f"webdriver: {method} {path}: {e}; retrying once", flush=True)
            time.sleep(0.2)
            return self._request_once(method, path, body, timeout)

    def _request_once(self, method, path, body, timeout):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                payload = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            payload = json.loads(e.read() or b"{}")
            value = payload.get("value", {})
            raise WebDriverError(f"{method} {path}: {value.get('error')}: {value.get('message')}") from None
        return payload.get("value")

    def cmd(self, method, path, body=None, timeout=30):
        if TRACE:
            print(f"{time.strftime('%H:%M:%S')}.{int(time.time() * 1000) % 1000:03d} {method} {path}", flush=True)
        return self._request(method, f"/session/{self.id}{path}", body, timeout)

    def quit(self, application=None):
        """Ends the session. Closing its windows leaves a tray app running, so the
        application (by its path) is then stopped too: a second session would
        otherwise start a second instance, which hands over to the first and exits."""
        try:
            self._request("DELETE", f"/session/{self.id}", timeout=10)
        except Exception:  # noqa: BLE001 - the app may be gone already
            pass
        if application:
            stop_processes_of(application)

    # windows
    def handles(self):
        return self.cmd("GET", "/window/handles")

    def switch_to(self, handle):
        self.cmd("POST", "/window", {"handle": handle})

    def title(self):
        return self.cmd("GET", "/title")

    def label(self):
        """The Tauri window label of the current browsing context."""
        return self.script("return window.__TAURI_INTERNALS__.metadata.currentWindow.label;")

    def switch_to_window(self, label, timeout=20):
        """Switches to the app window with this Tauri label (waiting for it to open)."""
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            seen = []
            for h in self.handles():
                try:
                    self.switch_to(h)
                    current = self.label()
                except WebDriverError:
                    continue
                seen.append(current)
                if current == label:
                    return h
            time.sleep(0.3)
        raise AssertionError(f"no window {label!r} within {timeout}s (saw {seen})")

    # elements
    def find_all(self, css):
        found = self.cmd("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self, e[ELEMENT]) for e in found]

    def wait_for(self, css, timeout=20, text=None, count=None):
        """The elements matching `css` once there is one (or `count`), optionally
        one whose text contains `text`."""
        deadline = time.time() + timeout
        last = []
        while time.time() < deadline:
            try:
                last = self.find_all(css)
            except WebDriverError:
                last = []
            if count is not None:
                if len(last) == count:
                    return last
            elif text is None and last:
                return last
            elif text is not None:
                try:
                    hits = [e for e in last if text in e.text()]
                except WebDriverError:
                    # An element went away between the search and its text (the view
                    # re-rendered): search again.
                    hits = []
                if hits:
                    return hits
            time.sleep(0.25)
        texts = []
        for e in last[:5]:
            try:
                texts.append(e.text())
            except WebDriverError:
                pass
        raise AssertionError(f"waited {timeout}s for {css!r} (text={text!r}, count={count}); found {len(last)}: {texts}")

    def script(self, source, *args):
        return self.cmd("POST", "/execute/sync", {"script": source, "args": list(args)})

    def screenshot(self, path):
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)


class Element:
    def __init__(self, session, eid):
        self.s = session
        self.id = eid

    def click(self):
        self.s.cmd("POST", f"/element/{self.id}/click", {})

    def type(self, text):
        # Focus by a click first: WebKitWebDriver has dropped the connection when keys
        # were sent to an element of a window that had just opened.
        self.click()
        self.s.cmd("POST", f"/element/{self.id}/value", {"text": text})

    def clear(self):
        self.s.cmd("POST", f"/element/{self.id}/clear", {})

    def text(self):
        # The DOM's innerText: WebKitWebDriver's "element text" returns only the first
        # grid cell of a <button> laid out as a grid.
        return self.s.script("return arguments[0].innerText;", {ELEMENT: self.id})

    def attr(self, name):
        return self.s.cmd("GET", f"/element/{self.id}/attribute/{name}")

    def find_all(self, css):
        found = self.s.cmd("POST", f"/element/{self.id}/elements", {"using": "css selector", "value": css})
        return [Element(self.s, e[ELEMENT]) for e in found]
