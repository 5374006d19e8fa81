#!/usr/bin/env bash
# oomkill: a process that allocates past its memory cgroup's limit is
# OOM-killed; the kill is reported with victim and trigger (the same
# process: its own allocation ran the killer), its RSS near the limit, and
# a load average. A process under the limit in the same cgroup is not.
#
# Cgroup: v2 when its memory controller is available (enabled in the root's
# subtree_control if needed); on hosts where memory is bound to a v1
# hierarchy (this development machine: the v2 mount has only hugetlb) the v1
# memory cgroup with memory.limit_in_bytes gives the same real OOM kill.
source "$(dirname "$0")/lib.bash"

LIMIT_MB=48
v2=$(findmnt -n -o TARGET -t cgroup2 | head -1)
v1=$(findmnt -n -o TARGET -t cgroup -O memory | head -1)
cg=""
if [ -n "$v2" ] && grep -qw memory "$v2/cgroup.controllers" 2>/dev/null; then
	grep -qw memory "$v2/cgroup.subtree_control" || echo +memory >"$v2/cgroup.subtree_control" 2>/dev/null
	if grep -qw memory "$v2/cgroup.subtree_control"; then
		cg="$v2/bpfscope-oom-$$"
		mkdir "$cg" && echo $((LIMIT_MB << 20)) >"$cg/memory.max" && echo 0 >"$cg/memory.swap.max" 2>/dev/null
	fi
fi
if [ -z "$cg" ] && [ -n "$v1" ]; then
	cg="$v1/bpfscope-oom-$$"
	mkdir "$cg" && echo $((LIMIT_MB << 20)) >"$cg/memory.limit_in_bytes"
	echo $((LIMIT_MB << 20)) >"$cg/memory.memsw.limit_in_bytes" 2>/dev/null
fi
if [ -z "$cg" ] || [ ! -d "$cg" ]; then
	echo "1..0 # SKIP no memory cgroup controller (v2 ${v2:-absent}, v1 ${v1:-absent})"
	exit 0
fi
oom_cleanup() {
	cleanup
	for _ in $(seq 1 20); do rmdir "$cg" 2>/dev/null && break; sleep 0.1; done
}
trap oom_cleanup EXIT
plan 7
diag "memory cgroup $cg, limit $LIMIT_MB MiB"

# in_cgroup MB: runs iodo hog MB inside the cgroup on cue; sets $hog.
in_cgroup() {
	rm -f "$TMP/go"
	mkfifo "$TMP/go"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" hog "$3"' sh "$cg" "$TARGETS/iodo" "$1" <"$TMP/go" &
	hog=$!
	_pids+=("$hog")
}

start_bpfscope oom oomkill -o json || exit 1
in_cgroup 10
small=$hog
echo go >"$TMP/go"
wait "$small"
ok $? "a 10 MiB process under the $LIMIT_MB MiB limit exits normally"
in_cgroup 400
echo go >"$TMP/go"
{ wait "$hog"; } 2>/dev/null # no job-control "Killed" noise
status=$?
wait_for "$TMP/oom.out" "\"victim_pid\":$hog"
stop_bpfscope

[ "$status" -eq 137 ]
ok $? "the 400 MiB process $hog was killed by SIGKILL (status $status)"
rec=$(jq -c "select(.victim_pid == $hog)" "$TMP/oom.out")
[ "$(jq -r '[.victim_comm, .trigger_pid, .trigger_comm] | @tsv' <<<"$rec")" = "$(printf 'iodo\t%s\tiodo' "$hog")" ]
ok $? "victim and trigger: iodo $hog (got: $rec)"
jq -e ".anon_rss_kb > $(((LIMIT_MB - 16) * 1024)) and .anon_rss_kb <= $((LIMIT_MB * 1024)) and .total_vm_kb >= .anon_rss_kb" \
	<<<"$rec" >/dev/null
ok $? "victim's anonymous RSS is near the $LIMIT_MB MiB limit ($(jq -r .anon_rss_kb <<<"$rec") kB)"
[[ "$(jq -r .loadavg <<<"$rec")" =~ ^[0-9.]+\ [0-9.]+\ [0-9.]+$ ]]
ok $? "load average reported ($(jq -r .loadavg <<<"$rec"))"
! grep -q "\"victim_pid\":$small," "$TMP/oom.out"
ok $? "the process under the limit ($small) was not killed"
bad_input "oomkill takes no -p (system-wide): one error line" "unknown option" oomkill -p 1
done_testing
