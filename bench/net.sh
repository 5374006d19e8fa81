#!/usr/bin/env bash
# bench/net.sh: cost of `bpfscope net` (all four boundaries: send syscall,
# tc egress, ingress, receive syscall) on veth traffic in the lab (client ->
# relay (routing) -> server namespaces): TCP bulk throughput (128 KiB
# writes) and UDP packet rate (64-byte datagrams), untraced and with an
# agent in the client and in the server namespace, in these modes:
#   auto     the defaults: tc ingress on veth, direct syscall programs (6.2+),
#            the local report joined in the kernel
#   user     --join user: every record through the ring buffer, joined in
#            user space (the default before the kernel join)
#   bare     no bpfscope: two instances (one per agent) of empty programs on
#            the same 20 syscall tracepoints (bench/bare_syscalls, make
#            bench-bins): the kernel's dispatch, the floor of this design
#   sampled  --sample 100
#   xdp      --ingress xdp (generic XDP, as before the auto change)
#   compat   BPFSCOPE_DISABLE_FEATURES=rdonly_cast (the syscall programs of
#            kernels before 6.2)
#   xdpnative --ingress xdp-native (on veth: its driver-mode XDP)
#   filtered --port 9: every program runs, no record passes the filter (the
#            cost of the programs without clock reads, ring records and the
#            user-space join)
# MODES="base auto filtered" bench/net.sh runs a subset (base is needed).
# This machine is shared and noisy (untraced rounds vary by +-15 %), so each
# round measures base and every mode back to back in a rotating order, each
# ratio divides by the base of its own round, and the table gives the
# median ratio over the rounds with its range.
#   usage: bench/net.sh [ROUNDS] [SECONDS]   (root; build first: make test-bins bench-bins)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BPFSCOPE=$PWD/$BUILD/bpfscope TARGETS=$PWD/$BUILD/targets
ROUNDS=${1:-5} SECS=${2:-3}
TMP=$(mktemp -d /tmp/bpfscope-bench.XXXXXX)
source tests/integ/netlab.bash
trap 'lab_down; rm -rf "$TMP"' EXIT
lab_up || exit 1

agents=()
trace_on() { # MODE
	local args=() envs=() ns ifc
	case $1 in
	sampled) args=(--sample 100) ;;
	xdp) args=(--ingress xdp) ;;
	filtered) args=(--port 9) ;;
	xdpnative) args=(--ingress xdp-native) ;;
	compat) envs=(BPFSCOPE_DISABLE_FEATURES=rdonly_cast) ;;
	user) args=(--join user) ;;
	bare)
		for ns in "$NS_C" "$NS_S"; do
			"$BUILD/bench/bare_syscalls" 2>"$TMP/$ns.err" &
			agents+=($!)
		done
		for ns in "$NS_C" "$NS_S"; do
			for _ in $(seq 1 200); do grep -q attached "$TMP/$ns.err" && break; sleep 0.05; done
			grep -q attached "$TMP/$ns.err" || { echo "bare_syscalls did not start: $(cat "$TMP/$ns.err")" >&2; exit 1; }
		done
		return ;;
	esac
	for pair in "$NS_C:$IF_C" "$NS_S:$IF_S"; do
		ns=${pair%%:*} ifc=${pair#*:}
		env "${envs[@]}" ip netns exec "$ns" "$BPFSCOPE" net -i "$ifc" "${args[@]}" >/dev/null 2>"$TMP/$ns.err" &
		agents+=($!)
	done
	for ns in "$NS_C" "$NS_S"; do
		for _ in $(seq 1 200); do grep -q 'tracing' "$TMP/$ns.err" && break; sleep 0.05; done
		grep -q 'tracing' "$TMP/$ns.err" || { echo "agent in $ns did not start: $(cat "$TMP/$ns.err")" >&2; exit 1; }
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

read -r -a MODES <<<"${MODES:-base auto sampled xdp compat}"
for r in $(seq 1 "$ROUNDS"); do
	n=${#MODES[@]}
	for k in $(seq 0 $((n - 1))); do
		mode=${MODES[$(((k + r) % n))]}
		[ "$mode" != base ] && trace_on "$mode"
		t=$(tcp_rate) u=$(udp_rate)
		[ "$mode" != base ] && trace_off
		echo "# round $r $mode: tcp $t bytes/s, udp $u datagrams/s received" >&2
		echo "$r $mode $t $u" >>"$TMP/all"
	done
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# cell MODE COLUMN: median ratio to the same round's base (min-max)
cell() {
	awk -v m="$1" -v c="$2" '$2 == "base" { b[$1] = $c } $2 == m { v[$1] = $c }
		END { for (r in v) printf "%.3f\n", v[r] / b[r] }' "$TMP/all" >"$TMP/ratios"
	printf "%s (%s-%s)" "$(median <"$TMP/ratios")" "$(sort -g "$TMP/ratios" | head -1)" "$(sort -g "$TMP/ratios" | tail -1)"
}
base_of() { awk -v c="$1" '$2 == "base" { print $c }' "$TMP/all" | median; }
label() {
	case $1 in
	auto) echo "auto" ;; sampled) echo "--sample 100" ;; xdp) echo "--ingress xdp" ;;
	compat) echo "compat syscall programs" ;; user) echo "--join user" ;;
	bare) echo "empty syscall programs (floor)" ;; xdpnative) echo "--ingress xdp-native" ;; filtered) echo "--port 9 (nothing recorded)" ;;
	esac
}
head="| workload (veth, client -> relay -> server) | untraced (median) |" sep="| --- | ---: |"
tcp="| TCP bulk, bytes/s ($ROUNDS rounds x ${SECS}s) | $(base_of 3) |"
udp="| UDP 64-byte datagrams received/s ($ROUNDS rounds x ${SECS}s) | $(base_of 4) |"
for m in "${MODES[@]}"; do
	[ "$m" = base ] && continue
	head+=" $(label "$m") |" sep+=" ---: |" tcp+=" $(cell "$m" 3) |" udp+=" $(cell "$m" 4) |"
done
printf '%s\n' "$head" "$sep" "$tcp" "$udp"
echo
echo "rounds (round mode tcp udp):"
sed 's/^/    /' "$TMP/all"
