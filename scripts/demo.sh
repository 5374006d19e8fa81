#!/usr/bin/env bash
# make demo: a short, self-contained look at bpfscope on a bundled workload.
# Everything it starts it stops; every wait is bounded.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
B="$BUILD/bpfscope"
T="$BUILD/targets"
if [ "$(id -u)" -ne 0 ]; then
	echo "make demo needs root (BPF): try sudo make demo" >&2
	exit 1
fi

section() { printf '\n\033[1m== %s ==\033[0m\n$ %s\n' "$1" "$2"; }

section "What this kernel offers" "bpfscope features"
"$B" features

section "Every exec, with argv and return code, while a workload runs" \
	"bpfscope execsnoop -d 3"
"$B" execsnoop -d 3 &
tracer=$!
sleep 1
for i in 1 2 3; do
	/bin/true "request-$i"
	sh -c "exec /nonexistent/worker-$i" 2>/dev/null
done
"$T/spin" 2 0.3
wait $tracer

section "Failed opens only" "bpfscope opensnoop -x -d 2"
"$B" opensnoop -x -d 2 &
tracer=$!
sleep 1
cat /etc/bpfscope-demo.conf 2>/dev/null
wait $tracer

section "A user function's arguments by name (DWARF), and its latency paired in the kernel" \
	"bpfscope trace 'u:trace_target:process_request { print(r->the_request, r->hostname) }' 'r:trace_target:cache_fetch { hist(duration) }'"
"$B" trace -d 3 "u:$T/trace_target:process_request { print(r->the_request, r->hostname, ip(r->connection->addr.sin_addr)) }" \
	"r:$T/trace_target:cache_fetch { hist(duration) }" &
tracer=$!
sleep 1.5
"$T/trace_target" run 5 >/dev/null
wait $tracer

section "Run-queue latency with $(($(nproc) * 3)) threads spinning on $(nproc) CPUs" \
	"bpfscope runqlat -d 3"
"$T/spin" $(($(nproc) * 3)) 4 &
load=$!
"$B" runqlat -d 3
kill $load 2>/dev/null
wait 2>/dev/null
