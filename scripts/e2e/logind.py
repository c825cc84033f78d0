"""A stand-in for systemd-logind on a private "system" bus, for the end-to-end tests.

    logind.py BUS_ADDRESS FIFO

Owns org.freedesktop.login1 on the bus at BUS_ADDRESS and, for each line written to
FIFO, emits the Manager's PrepareForSleep signal as logind does around a suspend:
"sleep" → PrepareForSleep(true), "wake" → PrepareForSleep(false).
Prints "ready" once it owns the name.
"""
import os
import sys
import threading

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

MANAGER = "org.freedesktop.login1.Manager"


class Manager(dbus.service.Object):
    @dbus.service.signal(MANAGER, signature="b")
    def PrepareForSleep(self, start):
        pass


def main():
    address, fifo = sys.argv[1], sys.argv[2]
    DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    name = dbus.service.BusName("org.freedesktop.login1", bus)
    manager = Manager(bus, "/org/freedesktop/login1")

    def control():
        while True:
            with open(fifo, encoding="utf-8") as f:
                for line in f:
                    word = line.strip()
                    if word in ("sleep", "wake"):
                        GLib.idle_add(lambda s=(word == "sleep"): manager.PrepareForSleep(s) or False)

    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    threading.Thread(target=control, daemon=True).start()
    print(f"logind stand-in ready as {name.get_name()}", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
