#!/usr/bin/env bash
# bench/net-profile.sh [NET OPTIONS...]: where `bpfscope net` spends its time
# during a 3 s flood of 64-byte UDP datagrams (WORKLOAD=tcp: a TCP bulk
# stream of 128 KiB writes) through the lab (client ->
# relay -> server), agents in the client and server namespaces: BPF run
# time per program (kernel.bpf_stats_enabled, read with bpftool for the
# agents' own programs, found through their fds), events per agent, and the
# agents' user-space CPU during the flood. Root; build first (make test-bins).
set -u
cd "$(dirname "$0")/.."
set -m
BUILD=${BUILD:-build}
BPFSCOPE=$PWD/$BUILD/bpfscope TARGETS=$PWD/$BUILD/targets
source tests/integ/netlab.bash
_pids=(); TMP=$(mktemp -d)
trap 'lab_down; rm -rf "$TMP"; sysctl -qw kernel.bpf_stats_enabled=0' EXIT
lab_up
ag=(); extra=("$@")
for pair in "$NS_C $IF_C" "$NS_S $IF_S"; do set -- $pair
  ip netns exec $1 "$BPFSCOPE" net -i $2 "${extra[@]}" >/dev/null 2>$TMP/$1.err & ag+=($!)
done
for i in $(seq 100); do [ "$(cat $TMP/*.err | grep -c tracing)" = 2 ] && break; sleep 0.1; done
sysctl -qw kernel.bpf_stats_enabled=1
if [ "${WORKLOAD:-udp}" = tcp ]; then
  in_ns $NS_S "$TARGETS"/netlab tsink 7201 5 & sink=$!
else
  in_ns $NS_S "$TARGETS"/netlab usink 7202 4 > $TMP/usink & sink=$!
fi
sleep 0.2
c0=$(for p in "${ag[@]}"; do awk '{print $14+$15}' /proc/$p/stat; done | paste -sd+ | bc)
if [ "${WORKLOAD:-udp}" = tcp ]; then
  in_ns $NS_C "$TARGETS"/netlab tstream 10.77.2.2 7201 3
else
  in_ns $NS_C "$TARGETS"/netlab uflood 10.77.2.2 7202 3 64
fi
wait $sink; cat $TMP/usink 2>/dev/null
c1=$(for p in "${ag[@]}"; do awk '{print $14+$15}' /proc/$p/stat; done | paste -sd+ | bc)
echo "agents user+sys CPU during the flood: $(( (c1 - c0) * 10 )) ms"
ids=$(for p in "${ag[@]}"; do grep -h '^prog_id:' /proc/$p/fdinfo/* 2>/dev/null | awk '{print $2}'; done | sort -u | paste -sd, )
bpftool -j prog show > $TMP/progs.json
jq -r "[$ids] as \$ids | .[] | select(.id as \$i | \$ids | index([\$i])) | select((.run_cnt // 0) > 0) | \"\(.name) \(.run_cnt) \(.run_time_ns)\"" $TMP/progs.json | awk '{r[$1]+=$2; t[$1]+=$3} END {for (k in r) printf "%-18s runs %9d  ns/run %6.0f  total %6.0f ms\n", k, r[k], t[k]/r[k], t[k]/1e6}' | sort -k7 -n -r
kill -INT "${ag[@]}"; wait "${ag[@]}"; grep -h "events delivered" $TMP/*.err
