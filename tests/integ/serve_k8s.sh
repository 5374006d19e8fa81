#!/usr/bin/env bash
# Container and pod attribution in what --serve and --otlp publish: a
# trace_target inside a cgroup laid out like a kubelet (systemd driver,
# containerd) with a pod log directory naming its pod; metric series of a
# 'by (pid)' aggregation get container/pod/namespace labels, and spans
# the container.id / k8s.pod.name / k8s.namespace.name resource attributes.
source "$(dirname "$0")/lib.bash"
plan 4

T="$TARGETS/trace_target"
cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
base="$cgroot/bpfscope-sk8s-$$"
uid=$(printf '%08x-cccc-4ccc-8ccc-%012x' $$ $RANDOM)
cid=$(printf '%04x%08x%052x' 7 $$ 0)
cg="$base/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid//-/_}.slice/cri-containerd-$cid.scope"
mkdir -p "$cg" || exit 1
export BPFSCOPE_POD_LOG_DIR="$TMP/pods"
mkdir -p "$TMP/pods/shop-$$_web-$$_$uid/app"
trap 'for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -9 "$p"; done; sleep 0.1;
	find "$base" -depth -type d -exec rmdir {} + 2>/dev/null; cleanup' EXIT

R="$(dirname "$0")/otlp_receiver.py"
mkdir -p "$TMP/r"
python3 "$R" "$TMP/r" &
_pids+=($!)
for _ in $(seq 1 100); do [ -s "$TMP/r/port" ] && break; sleep 0.05; done

# calls cache_fetch for 4 s: alive while bpfscope reads its cgroup
"$T" loop 4 >/dev/null &
app=$!
_pids+=("$app")
echo "$app" >"$cg/cgroup.procs"
start_bpfscope k8s trace --serve 127.0.0.1:0 --otlp "http://127.0.0.1:$(cat "$TMP/r/port")/v1/traces" \
	--sample 2000 "u:$T:cache_fetch { count() by (pid) }" "r:$T:cache_fetch" || exit 1
port=$(grep -o 'serving http://127.0.0.1:[0-9]*' "$TMP/k8s.err" | sed 's/.*://')
sleep 1.3 # one publish
curl -s "http://127.0.0.1:$port/metrics" >"$TMP/metrics.txt"
stop_bpfscope

line="bpfscope_probe_count_total{probe=\"u:$T:cache_fetch\",key_pid=\"$app\",container=\"${cid:0:12}\",pod=\"web-$$\",namespace=\"shop-$$\"} "
grep -qF "$line" "$TMP/metrics.txt"
ok $? "count() by (pid): container, pod and namespace labels on the series" || { diag "want $line"; show "$TMP/metrics.txt" 80; }
S="$TMP/r/spans.jsonl"
[ "$(wc -l <"$S")" -gt 0 ] && [ ! -s "$TMP/r/errors.txt" ]
ok $? "cache_fetch spans (1 in 2000 calls) exported, valid ($(wc -l <"$S"))"
jq -s -e --arg c "${cid:0:12}" --arg pod "web-$$" --arg ns "shop-$$" 'all(.[]; .resource["container.id"] == $c
	and .resource["k8s.pod.name"] == $pod and .resource["k8s.namespace.name"] == $ns)' "$S" >/dev/null
ok $? "span resource: container.id, k8s.pod.name, k8s.namespace.name of the pod" || show "$S"
jq -s -e --arg pid "$app" 'all(.[]; .resource["process.pid"] == $pid and .resource["service.name"] == "trace_target")' "$S" >/dev/null
ok $? "span resource: process.pid and service.name of the traced process"
done_testing
