#!/usr/bin/env bash
# Spans on a real client library against a real server: libmemcached's
# memcached_set/mget/fetch_result as child spans of tests/targets/mc_client's
# mc_round (one round = one request), with a private memcached from
# services.bash. The peer 127.0.0.1:PORT is found in the kernel from the
# socket syscalls, with no knowledge of libmemcached's structures.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 6

memcached_start || { echo "1..0 # SKIP memcached not available"; exit 0; }
start_gated mc "$TARGETS/mc_client" "$MC_PORT" 3 2
mc=$GATED_PID
start_bpfscope mc spans -p "$mc" -o json "root u:$TARGETS/mc_client:mc_round" \
	u:libmemcached:memcached_set u:libmemcached:memcached_mget \
	u:libmemcached:memcached_fetch_result || exit 1
release_gated mc "$mc"
wait_for "$TMP/mc.out" '"id":' 40
sleep 0.2
stop_bpfscope
q() { jq -s "$@" "$TMP/mc.out"; }
peer="127.0.0.1:$MC_PORT"

grep -q "fetched 6" "$TMP/mc.stdout"
ok $? "client set 3 keys and fetched them back with one mget, twice"
[ "$(q '[.[] | select(.children == {"memcached_set": 3, "memcached_mget": 1, "memcached_fetch_result": 4})] | length')" -eq 2 ]
ok $? "2 requests, each with 3 memcached_set, 1 memcached_mget, 4 memcached_fetch_result"
[ "$(q --arg p "$peer" '[.[] | select((.peers | length) == 1 and .peers[0].peer == $p and .peers[0].round_trips == 4)] | length')" -eq 2 ]
ok $? "all socket I/O attributed to $peer: 4 round trips per request (3 sets + 1 multi-get)"
[ "$(q --arg p "$peer" '[.[] | .spans[] | select(.probe == "memcached_mget") | select(.peers[0].peer == $p and .peers[0].bytes_out > 0 and .peers[0].bytes_in == 0 and .peers[0].round_trips == 0)] | length')" -eq 2 ]
ok $? "memcached_mget only sends; its round trip is counted where the reply is read"
[ "$(q '[.[] | .spans[] | select(.probe == "memcached_fetch_result") | .peers[0].round_trips // 0] | add')" -eq 2 ]
ok $? "memcached_fetch_result received the multi-get replies: one round trip per request"
[ "$(q -c --arg p "$peer" '[.[] | [.connections[] | .event + " " + .peer]]')" = "[[\"connect $peer\"],[]]" ]
ok $? "persistent connection: connect to $peer in the first request only"
done_testing
