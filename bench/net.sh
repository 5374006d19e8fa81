#!/usr/bin/env bash
# bench/net.sh: cost of `bpfscope net` (all four boundaries: send syscall,
# tc egress, XDP ingress, receive syscall) on veth traffic in the lab
# (client -> relay (routing) -> server namespaces). Runs, alternating,
# ROUNDS times each: TCP bulk throughput and UDP packet rate (64-byte
# datagrams), without and with `bpfscope net` in the client and server
# namespaces (also with --sample 100 and with --ingress tc instead of generic
# XDP), and prints the ratios as a markdown table (bench/RESULTS-net.md).
#   usage: bench/net.sh [ROUNDS] [SECONDS]   (root; build first: make test-bins)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BPFSCOPE=$PWD/$BUILD/bpfscope TARGETS=$PWD/$BUILD/targets
ROUNDS=${1:-3} SECS=${2:-3}
TMP=$(mktemp -d /tmp/bpfscope-bench.XXXXXX)
source tests/integ/netlab.bash
trap 'lab_down; rm -rf "$TMP"' EXIT
lab_up || exit 1

agents=()
trace_on() { # extra net options
	local extra=("$@")
	for pair in "$NS_C $IF_C" "$NS_S $IF_S"; do
		set -- $pair
		ip netns exec "$1" "$BPFSCOPE" net -i "$2" "${extra[@]}" >/dev/null 2>"$TMP/$1.err" &
		agents+=($!)
	done
	for pair in "$NS_C" "$NS_S"; do
		for _ in $(seq 1 200); do grep -q 'tracing' "$TMP/$pair.err" && break; sleep 0.05; done
	done
}
trace_off() {
	kill -INT "${agents[@]}" 2>/dev/null
	wait "${agents[@]}" 2>/dev/null
	grep -h 'events delivered' "$TMP"/*.err | sed 's/^/#   /' >&2
	agents=()
}
tcp_rate() {
	in_ns "$NS_S" "$TARGETS/netlab" tsink 7201 $((SECS + 2)) &
	sleep 0.2
	in_ns "$NS_C" "$TARGETS/netlab" tstream 10.77.2.2 7201 "$SECS" | awk '{ print $1 }'
	wait
}
udp_rate() {
	in_ns "$NS_S" "$TARGETS/netlab" usink 7202 $((SECS + 1)) >"$TMP/usink.out" &
	sleep 0.2
	in_ns "$NS_C" "$TARGETS/netlab" uflood 10.77.2.2 7202 "$SECS" 64 >/dev/null
	wait
	awk -v s="$SECS" '{ printf "%.0f\n", $2 / s }' "$TMP/usink.out" # delivered per second
}

declare -A sum
for r in $(seq 1 "$ROUNDS"); do
	for mode in base traced sampled tcin; do
		[ $mode = traced ] && trace_on
		[ $mode = sampled ] && trace_on --sample 100
		[ $mode = tcin ] && trace_on --ingress tc
		t=$(tcp_rate) u=$(udp_rate)
		[ $mode != base ] && trace_off
		echo "# round $r $mode: tcp $t bytes/s, udp $u datagrams/s received" >&2
		sum[$mode.tcp]=$(awk -v a="${sum[$mode.tcp]:-0}" -v b="$t" 'BEGIN { print a + b }')
		sum[$mode.udp]=$(awk -v a="${sum[$mode.udp]:-0}" -v b="$u" 'BEGIN { print a + b }')
		eval "runs_${mode}_tcp+=\" $t\"; runs_${mode}_udp+=\" $u\""
	done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }'; }
mean() { awk -v a="$1" -v n="$ROUNDS" 'BEGIN { printf "%.0f", a / n }'; }
cat <<EOT
| workload (veth, client -> relay -> server) | without | with \`net\` | ratio | with \`net --sample 100\` | ratio | with \`net --ingress tc\` | ratio |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| TCP bulk throughput, bytes/s (mean of $ROUNDS x ${SECS}s) | $(mean "${sum[base.tcp]}") | $(mean "${sum[traced.tcp]}") | $(ratio "${sum[base.tcp]}" "${sum[traced.tcp]}") | $(mean "${sum[sampled.tcp]}") | $(ratio "${sum[base.tcp]}" "${sum[sampled.tcp]}") | $(mean "${sum[tcin.tcp]}") | $(ratio "${sum[base.tcp]}" "${sum[tcin.tcp]}") |
| UDP 64-byte datagrams received/s (mean of $ROUNDS x ${SECS}s) | $(mean "${sum[base.udp]}") | $(mean "${sum[traced.udp]}") | $(ratio "${sum[base.udp]}" "${sum[traced.udp]}") | $(mean "${sum[sampled.udp]}") | $(ratio "${sum[base.udp]}" "${sum[sampled.udp]}") | $(mean "${sum[tcin.udp]}") | $(ratio "${sum[base.udp]}" "${sum[tcin.udp]}") |

runs (without / with / sampled / tc ingress): TCP${runs_base_tcp} /${runs_traced_tcp} /${runs_sampled_tcp} /${runs_tcin_tcp}; UDP${runs_base_udp} /${runs_traced_udp} /${runs_sampled_udp} /${runs_tcin_udp}
EOT
