#!/usr/bin/env python3
"""Writes a small record file per docs/record-schema.md (tests of `serve FILE`):
REQUESTS root spans 'handle' (pid 4242), each with two child spans
'memcached_get' talking to 127.0.0.1:11211, durations in known steps.
Usage: mkrecord.py FILE REQUESTS"""
import sqlite3
import sys
import time

path, requests = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path)
db.executescript("""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE probes (id INTEGER PRIMARY KEY, spec TEXT NOT NULL, role TEXT NOT NULL, name TEXT NOT NULL);
CREATE TABLE spans (id INTEGER PRIMARY KEY, root_id INTEGER NOT NULL, parent_id INTEGER,
  probe_id INTEGER NOT NULL, pid INTEGER NOT NULL, tid INTEGER NOT NULL, start_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL, child_ns INTEGER NOT NULL, depth INTEGER NOT NULL);
CREATE TABLE span_attrs (span_id INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL);
CREATE TABLE span_peers (span_id INTEGER NOT NULL, peer TEXT NOT NULL, calls INTEGER NOT NULL,
  round_trips INTEGER NOT NULL, bytes_out INTEGER NOT NULL, bytes_in INTEGER NOT NULL, io_ns INTEGER NOT NULL);
CREATE TABLE connections (span_id INTEGER NOT NULL, event TEXT NOT NULL, peer TEXT NOT NULL, ts_ns INTEGER NOT NULL);
CREATE TABLE losses (probe_id INTEGER, what TEXT NOT NULL, count INTEGER NOT NULL);
""")
db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
db.execute("INSERT INTO probes VALUES (0, 'root u:./srv:handle', 'root', 'handle')")
db.execute("INSERT INTO probes VALUES (1, 'u:libmemcached:memcached_get', 'child', 'memcached_get')")
now = time.time_ns() - 60 * 10**9
sid = 1
for r in range(requests):
    root, start = sid, now + r * 10**7
    db.execute("INSERT INTO spans VALUES (?,?,?,?,?,?,?,?,?,?)", (root, root, None, 0, 4242, 4243, start, 2_000_000, 1_000_000, 0))
    db.execute("INSERT INTO span_attrs VALUES (?, 'path', ?)", (root, f"/item/{r}"))
    sid += 1
    for c in range(2):
        db.execute("INSERT INTO spans VALUES (?,?,?,?,?,?,?,?,?,?)", (sid, root, root, 1, 4242, 4243, start + 100_000 + c * 600_000, 500_000, 0, 1))
        db.execute("INSERT INTO span_peers VALUES (?, '127.0.0.1:11211', 2, 1, 40, 100, 300000)", (sid,))
        sid += 1
db.execute("INSERT INTO losses VALUES (NULL, 'ring_drops', 0)")
db.execute("INSERT INTO losses VALUES (1, 'unpaired', 3)")
db.commit()
