#!/usr/bin/env bash
# wire / cache: memcached commands recovered from the socket syscalls of
# real clients (libmemcached C client, a Python socket client speaking the
# text and meta protocols) against a private memcached on a non-standard
# port: keys, hits and misses, reply status, latencies; --stats hit ratio;
# an unknown protocol on the same server is ignored.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 17

memcached_start || { diag "memcached did not start"; exit 1; }

# --- libmemcached: 3 keys set and fetched back with one mget, twice
start_gated mc "$TARGETS/mc_client" "$MC_PORT" 3 2
client=$GATED_PID
start_bpfscope c cache -o json -p "$client" || exit 1
release_gated mc "$client"
wait_for "$TMP/c.out" '"quit"' 100
stop_bpfscope
J=$TMP/c.out
q() { jq -e -s "$1" "$J" >/dev/null; }
jq -e . "$J" >/dev/null
ok $? "json lines parse"
q '[.[] | select(.cmd == "set" and .result.status == "STORED")] | map(.text) | sort == ["key:0","key:0","key:1","key:1","key:2","key:2"]'
ok $? "libmemcached: 6 sets of key:0..2, STORED"
q '[.[] | select(.cmd == "get")] | length == 2 and all(.text == "key:0 key:1 key:2" and .result.hits == 3 and .result.misses == 0)'
ok $? "libmemcached: two multi-key gets, 3 hits each"
q "all(.[]; .pid == $client and .peer == \"127.0.0.1:$MC_PORT\" and .proto == \"memcache\")"
ok $? "every row: pid $client, peer 127.0.0.1:$MC_PORT"
q 'all(.[] | select(.result.no_response | not); .latency_ms > 0)'
ok $? "latencies positive"

# --- Python: text and meta protocol, hits and misses
# (it connects before it waits: a connection older than the tracing)
cat >"$TMP/mc.py" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
sys.stdin.readline()
t = sys.argv[2].encode()
def ask(req, until, peek=False):
    s.sendall(req)
    if peek:  # a look at the first bytes that leaves them to be read again
        s.recv(5, socket.MSG_PEEK)
    buf = b""
    while until not in buf:
        data = s.recv(4096)
        if not data:
            sys.exit(1)
        buf += data
ask(b"set pk_" + t + b" 0 0 5\r\nhello\r\n", b"STORED\r\n")
ask(b"get pk_" + t + b" miss_" + t + b"\r\n", b"END\r\n", peek=True)
ask(b"delete miss_" + t + b"\r\n", b"NOT_FOUND\r\n")
ask(b"mg pk_" + t + b" v\r\n", b"hello\r\n")
ask(b"mg miss_" + t + b" v\r\n", b"EN\r\n")
ask(b"ms mk_" + t + b" 2 T60\r\nab\r\n", b"HD\r\n")
ask(b"md mk_" + t + b"\r\n", b"HD\r\n")
ask(b"mg miss_" + t + b" v q\r\nmn\r\n", b"MN\r\n")
PY
start_gated py python3 "$TMP/mc.py" "$MC_PORT" "$$"
start_bpfscope p wire -o json -p "$GATED_PID" || exit 1
release_gated py "$GATED_PID"
wait_for "$TMP/p.out" '"mn"' 100
stop_bpfscope
J=$TMP/p.out
q "any(.[]; .cmd == \"set\" and .text == \"pk_$$\" and .result.status == \"STORED\")"
ok $? "python: set STORED"
q "any(.[]; .cmd == \"get\" and .text == \"pk_$$ miss_$$\" and .result.hits == 1 and .result.misses == 1)"
ok $? "python: get of two keys, 1 hit 1 miss (the MSG_PEEK before the read is not parsed)"
q "any(.[]; .cmd == \"delete\" and .text == \"miss_$$\" and .result.status == \"NOT_FOUND\" and .result.misses == 1)"
ok $? "python: delete NOT_FOUND is a miss"
q "[.[] | select(.cmd == \"mg\") | [.text, .result.hits, .result.misses]] == [[\"pk_$$\",1,0],[\"miss_$$\",0,1],[\"miss_$$\",0,1]]"
ok $? "meta get: hit (VA), miss (EN), quiet miss closed by mn"
q "any(.[]; .cmd == \"ms\" and .text == \"mk_$$\" and .result.status == \"HD\") and any(.[]; .cmd == \"md\" and .result.hits == 1)"
ok $? "meta set HD, meta delete hit"
q 'all(.[] | select(.result.no_response | not); .latency_ms > 0) and all(.[]; .comm == "python3")'
ok $? "python: latencies positive, comm python3"

# --- --stats over the same client, text table
start_gated py2 python3 "$TMP/mc.py" "$MC_PORT" "$$"
start_bpfscope s cache --stats -p "$GATED_PID" || exit 1
release_gated py2 "$GATED_PID"
sleep 0.2
stop_bpfscope
grep -q 'HIT%' "$TMP/s.out"
ok $? "--stats text table"
awk '$1 == "memcache" && $2 == "get" { found = ($3 == 1 && $6 == "50.0") } END { exit !found }' "$TMP/s.out"
ok $? "--stats: get once, 50% hits"
awk '$1 == "memcache" && $2 == "mg" { found = ($3 == 3 && $6 == "33.3") } END { exit !found }' "$TMP/s.out" ||
	{ show "$TMP/s.out"; false; }
ok $? "--stats: mg three times, 33.3% hits"

# --- the server side: memcached itself traced, requests are what it reads
start_gated mcs "$TARGETS/mc_client" "$MC_PORT" 3 1
start_bpfscope srv cache -o json -p "$MC_PID" || exit 1
release_gated mcs "$GATED_PID"
wait_for "$TMP/srv.out" '"quit"' 100
stop_bpfscope
J=$TMP/srv.out
q "any(.[]; .cmd == \"get\" and .text == \"key:0 key:1 key:2\" and .result.hits == 3 and .pid == $MC_PID and .latency_ms > 0)"
ok $? "traced server: memcached's own view of the multi-get"

# --- an unknown protocol to the same server: ignored
cat >"$TMP/other.py" <<'PY'
import socket, sys
sys.stdin.readline()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"HELLO there\r\n")
s.recv(100)
PY
start_gated other python3 "$TMP/other.py" "$MC_PORT"
start_bpfscope o wire -o json -p "$GATED_PID" || exit 1
release_gated other "$GATED_PID"
sleep 0.2
stop_bpfscope
[ ! -s "$TMP/o.out" ] && grep -q ' [1-9][0-9]* events delivered' "$TMP/o.err"
ok $? "socket I/O in an unknown protocol is captured but yields no row"
bad_input "--text-len out of range" "text-len" cache -t 0
done_testing
