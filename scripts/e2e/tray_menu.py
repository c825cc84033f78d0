#!/usr/bin/python3
"""Reads (or clicks) a StatusNotifierItem's menu over D-Bus (com.canonical.dbusmenu).

usage: tray_menu.py ITEM            prints the menu as JSON: [{id, label, enabled}, ...]
       tray_menu.py ITEM --click ID  sends the "clicked" event to the item with that label id
ITEM is "<bus name>/<object path>" as written by sni_watcher.py.
"""
import json
import sys
import time

import dbus


def split_item(item):
    i = item.index("/")
    return item[:i], item[i:]


def flatten(node, out):
    _id, props, children = node
    if _id != 0:
        out.append({
            "id": int(_id),
            "label": str(props.get("label", "")).replace("_", ""),
            "enabled": bool(props.get("enabled", True)),
            "type": str(props.get("type", "standard")),
        })
    for child in children:
        flatten(child, out)


def main():
    bus = dbus.SessionBus()
    name, path = split_item(sys.argv[1])
    item = bus.get_object(name, path)
    menu_path = item.Get("org.kde.StatusNotifierItem", "Menu", dbus_interface=dbus.PROPERTIES_IFACE)
    menu = dbus.Interface(bus.get_object(name, menu_path), "com.canonical.dbusmenu")
    if len(sys.argv) > 3 and sys.argv[2] == "--click":
        menu.Event(int(sys.argv[3]), "clicked", dbus.String("", variant_level=1), dbus.UInt32(int(time.time())))
        return
    _rev, layout = menu.GetLayout(0, -1, [])
    out = []
    flatten(layout, out)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
