#!/usr/bin/env bash
# A real library against a real server: libmemcached's memcached_set and
# memcached_mget traced by name in the shared library (found by its short
# name through the process's maps), keys read as strings, mget latency
# paired in the kernel.
source "$(dirname "$0")/lib.bash"
plan 5

command -v memcached >/dev/null || { echo "1..0 # SKIP memcached not installed"; exit 0; }
port=$((20000 + $$ % 20000))
memcached -u nobody -l 127.0.0.1 -p "$port" -U 0 -m 16 &
_pids+=($!)
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done

start_gated mc "$TARGETS/mc_client" "$port" 3 2
mc=$GATED_PID
start_bpfscope mc trace -p "$mc" -o json \
	"u:libmemcached:memcached_set { print(str(arg1, arg2), arg2) }" \
	"u:libmemcached:memcached_mget { print(str(*(u64 *)arg1), arg3) }" \
	"r:libmemcached:memcached_mget { hist(duration) }" || exit 1
release_gated mc "$mc"
sleep 0.2
stop_bpfscope

grep -q "fetched 6" "$TMP/mc.stdout"
ok $? "client set 3 keys and fetched them back twice from memcached on 127.0.0.1:$port"
[ "$(jq -s '[.[] | select(.probe | test("memcached_set")) | .fields["str(arg1, arg2)"]] | sort | unique | join(",")' "$TMP/mc.out")" = '"key:0,key:1,key:2"' ]
ok $? "memcached_set keys read as pointer + length"
[ "$(jq -s '[.[] | select(.probe | test("memcached_set"))] | length' "$TMP/mc.out")" -eq 6 ]
ok $? "6 sets traced"
[ "$(jq -s '[.[] | select(.probe | test("^u:.*memcached_mget")) | select(.fields["str(*(u64 *)arg1)"] == "key:0" and .fields.arg3 == 3)] | length' "$TMP/mc.out")" -eq 2 ]
ok $? "memcached_mget: first key through the key array, 3 keys, twice"
[ "$(jq -s '[.[] | select(.hist) | .count] | add' "$TMP/mc.out")" -eq 2 ]
ok $? "mget latency histogram: 2 paired calls"
done_testing
