#!/usr/bin/env bash
# execsnoop against real execs: argv, parent, return code, filters, JSON.
source "$(dirname "$0")/lib.bash"
plan 9

tag="tag$$_$RANDOM"

start_bpfscope text execsnoop || exit 1
/bin/true "$tag" second-arg
sh -c "exec /nonexistent-binary-$tag" 2>/dev/null
wait_for "$TMP/text.out" "$tag second-arg"
stop_bpfscope
line=$(grep -- "/bin/true $tag second-arg" "$TMP/text.out")
ok $? "text: exec of /bin/true with its unique argv is reported"
# columns: TIME PCOMM PID PPID RET ARGS; the parent is this shell
set -- $line
[ "$2" = true ] && [ "$4" = "$$" ] && [ "$5" = 0 ]
ok $? "text: comm=true, ppid=$$ (this shell), ret=0 (got: $line)"
grep -q 'events delivered, 0 dropped' "$TMP/text.err"
ok $? "exit summary reports delivered events and zero drops"

start_bpfscope json execsnoop -o json -x || exit 1
/bin/true "ok-$tag"
sh -c "exec /nonexistent-binary-$tag" 2>/dev/null
wait_for "$TMP/json.out" "nonexistent-binary-$tag"
stop_bpfscope
jq -e . "$TMP/json.out" >/dev/null
ok $? "json: every line parses"
jq -e --arg t "/nonexistent-binary-$tag" 'select(.argv[0] == $t) | .ret == -2' "$TMP/json.out" |
	grep -q true
ok $? "json -x: failed exec reported with ret -2 (ENOENT) and argv array"
! grep -q "ok-$tag" "$TMP/json.out"
ok $? "-x: successful exec not reported"

# -c: only the named command
start_bpfscope comm execsnoop -c true || exit 1
/bin/echo "echo-$tag" >/dev/null
/bin/true "true-$tag"
wait_for "$TMP/comm.out" "true-$tag"
stop_bpfscope
grep -q "true-$tag" "$TMP/comm.out" && ! grep -q "echo-$tag" "$TMP/comm.out"
ok $? "-c true: /bin/true reported, /bin/echo filtered out in the kernel"

# --cgroup: only tasks inside a cgroup v2 we create
cg_root=$(findmnt -n -t cgroup2 -o TARGET | head -1)
cg="$cg_root/bpfscope-test-$$"
mkdir "$cg"
start_bpfscope cg execsnoop --cgroup "$cg" || exit 1
sh -c "echo \$\$ > $cg/cgroup.procs; exec /bin/true inside-$tag"
/bin/true "outside-$tag"
wait_for "$TMP/cg.out" "inside-$tag"
stop_bpfscope
rmdir "$cg"
grep -q "inside-$tag" "$TMP/cg.out" && ! grep -q "outside-$tag" "$TMP/cg.out"
ok $? "--cgroup: exec inside the cgroup reported, outside filtered"

# -p: a pid that does not exec sees nothing; the pid that does is reported
sleep 5 &
sleeper=$!
_pids+=("$sleeper")
start_bpfscope pid execsnoop -p "$sleeper" || exit 1
/bin/true "other-$tag"
sleep 0.3
stop_bpfscope
! grep -q "other-$tag" "$TMP/pid.out"
ok $? "-p: execs of other processes filtered out"
done_testing
