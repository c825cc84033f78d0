#!/usr/bin/env python3
"""Prints where a process's resident memory is: the largest mappings by RSS.

usage: rss-by-mapping.py PID [N]
"""
import collections
import sys

pid, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 8
rss = collections.Counter()
name = "[anon]"
with open(f"/proc/{pid}/smaps", encoding="utf-8", errors="replace") as f:
    for line in f:
        parts = line.split()
        if "-" in parts[0] and len(parts) >= 5 and ":" in parts[3]:
            name = parts[5] if len(parts) > 5 else "[anon]"
        elif parts[0] == "Rss:":
            rss[name] += int(parts[1])
for n, kb in rss.most_common(top):
    print(f"    {kb:8d} kB  {n}")
