#!/usr/bin/env bash
# The front door: help, features, bad input, static linking, cleanup.
source "$(dirname "$0")/lib.bash"
plan 14

"$BPFSCOPE" --help >"$TMP/help" 2>&1
ok $? "bpfscope --help exits 0"
for c in execsnoop opensnoop runqlat features; do
	grep -q "^  $c " "$TMP/help" || { ok 1 "--help lists $c"; continue; }
done
ok 0 "--help lists every command"
"$BPFSCOPE" execsnoop --help | grep -q -- '--cgroup PATH'
ok $? "command help is generated from its options (execsnoop --help shows --cgroup PATH)"

bad_input "unknown command" "unknown command 'nosuch'" nosuch
bad_input "unknown option" "unknown option '--bogus'" execsnoop --bogus
bad_input "nonexistent pid" "no process with pid 4000000" execsnoop -p 4000000
bad_input "-d not a number" "'abc' is not a number" execsnoop -d abc
bad_input "option without value" "needs a value" opensnoop -p
bad_input "bad cgroup" "not a cgroup v2 directory" execsnoop --cgroup /no/such/cgroup

"$BPFSCOPE" features >"$TMP/feat"
[ "$(grep -cE '^[a-z_]+ +(yes|no) ' "$TMP/feat")" -eq 19 ] && grep -qE '^tracepoint +yes' "$TMP/feat"
ok $? "features: 19 probed rows, tracepoints available"
"$BPFSCOPE" features -o json | jq -e -s 'length == 19 and all(has("feature","available","detail"))' >/dev/null
ok $? "features -o json"

! ldd "$BPFSCOPE" | grep -qE 'libbpf|libelf|libdw|libz\.|libzstd|libjson'
ok $? "libbpf, libelf, libdw, zlib, json-c linked statically (ldd shows none)"

# SIGKILL must leave nothing behind: links and programs die with the fds.
# Only this instance's objects are checked (other tracers may be running).
start_bpfscope kill execsnoop || exit 1
prog_ids=$(bpf_ids "$BPFSCOPE_PID" prog_id)
link_ids=$(bpf_ids "$BPFSCOPE_PID" link_id)
kill -9 "$BPFSCOPE_PID"
wait "$BPFSCOPE_PID" 2>/dev/null
sleep 0.5
left=0
for id in $prog_ids; do bpftool prog show id "$id" >/dev/null 2>&1 && left=$((left + 1)); done
for id in $link_ids; do bpftool link show id "$id" >/dev/null 2>&1 && left=$((left + 1)); done
[ -n "$prog_ids" ] && [ -n "$link_ids" ] && [ "$left" -eq 0 ]
ok $? "SIGKILL: programs $(echo $prog_ids) and links $(echo $link_ids) are gone ($left left)"

"$BPFSCOPE" opensnoop -d 0.3 >/dev/null 2>"$TMP/d.err"
ok $? "-d 0.3 stops by itself with exit 0"
done_testing
