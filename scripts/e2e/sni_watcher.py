#!/usr/bin/python3
"""A minimal org.kde.StatusNotifierWatcher for end-to-end tests.

Tray icons (libayatana-appindicator) register with the watcher; this one records
each registration and answers the watcher properties, so an app under Xvfb exports
its tray as a StatusNotifierItem. `tray_menu.py` then reads the menu over D-Bus.
Writes each registered item (bus name and object path) as a line to the log file.

usage: sni_watcher.py LOG_FILE
"""
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

IFACE = "org.kde.StatusNotifierWatcher"


class Watcher(dbus.service.Object):
    def __init__(self, bus, log_path):
        super().__init__(dbus.service.BusName(IFACE, bus), "/StatusNotifierWatcher")
        self.items = []
        self.log_path = log_path

    @dbus.service.method(IFACE, in_signature="s", out_signature="", sender_keyword="sender")
    def RegisterStatusNotifierItem(self, service, sender=None):
        # Items pass either a bus name or an object path.
        if service.startswith("/"):
            item = f"{sender}{service}"
        else:
            item = f"{service}/StatusNotifierItem"
        self.items.append(item)
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(item + "\n")
        self.StatusNotifierItemRegistered(item)

    @dbus.service.method(IFACE, in_signature="s", out_signature="")
    def RegisterStatusNotifierHost(self, service):
        pass

    @dbus.service.signal(IFACE, signature="s")
    def StatusNotifierItemRegistered(self, item):
        pass

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="ss", out_signature="v")
    def Get(self, interface, prop):
        return self.GetAll(interface)[prop]

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return {
            "RegisteredStatusNotifierItems": dbus.Array(self.items, signature="s"),
            "IsStatusNotifierHostRegistered": True,
            "ProtocolVersion": 0,
        }


def main():
    DBusGMainLoop(set_as_default=True)
    Watcher(dbus.SessionBus(), sys.argv[1])
    print("watcher ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
