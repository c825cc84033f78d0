#!/usr/bin/python3
"""A recording org.freedesktop.Notifications server for end-to-end tests.

Owns the well-known name on the session bus, answers Notify / GetCapabilities /
GetServerInformation / CloseNotification, and appends each Notify call as a JSON
line to the log file. Writing `<id> <action-key>` into the control FIFO emits
ActionInvoked(id, key) (how a test "clicks" Join or Snooze). Needs python3-dbus and
python3-gi (Debian), so it runs with /usr/bin/python3.

usage: notification_server.py LOG_FILE CONTROL_FIFO
"""
import json
import os
import sys
import threading

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

BUS_NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus, log_path):
        super().__init__(dbus.service.BusName(BUS_NAME, bus), PATH)
        self.log_path = log_path
        self.next_id = 1

    @dbus.service.method(BUS_NAME, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app_name, replaces_id, icon, summary, body, actions, hints, timeout):
        nid = int(replaces_id) or self.next_id
        if not replaces_id:
            self.next_id += 1
        actions = [str(a) for a in actions]
        record = {
            "id": nid,
            "app_name": str(app_name),
            "summary": str(summary),
            "body": str(body),
            "actions": dict(zip(actions[0::2], actions[1::2])),
            "hints": sorted(str(k) for k in hints.keys()),
            "timeout": int(timeout),
        }
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return dbus.UInt32(nid)

    @dbus.service.method(BUS_NAME, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["actions", "body", "body-markup", "persistence"]

    @dbus.service.method(BUS_NAME, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("traycal-test-notifications", "traycal", "1.0", "1.2")

    @dbus.service.method(BUS_NAME, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        self.NotificationClosed(nid, 3)

    @dbus.service.signal(BUS_NAME, signature="us")
    def ActionInvoked(self, nid, key):
        pass

    @dbus.service.signal(BUS_NAME, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass


def main():
    log_path, fifo = sys.argv[1], sys.argv[2]
    DBusGMainLoop(set_as_default=True)
    server = Server(dbus.SessionBus(), log_path)
    loop = GLib.MainLoop()

    def control():
        while True:
            with open(fifo, encoding="utf-8") as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2:
                        nid, key = int(parts[0]), parts[1]
                        GLib.idle_add(lambda n=nid, k=key: server.ActionInvoked(n, k) or False)

    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    threading.Thread(target=control, daemon=True).start()
    print("notification server ready", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
