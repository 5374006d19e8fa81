#!/usr/bin/env bash
# Container/pod filters and -K attribution against real cgroup v2 directories
# laid out like a kubelet with the systemd driver and containerd, and a pod
# log directory naming the pods. Two pods: A (two containers) and B (one).
source "$(dirname "$0")/lib.bash"
plan 12

cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$cgroot" ] || { diag "no cgroup v2 mount"; exit 1; }
base="$cgroot/bpfscope-k8s-$$"
uid_a=$(printf '%08x-aaaa-4aaa-8aaa-%012x' $$ $RANDOM)
uid_b=$(printf '%08x-bbbb-4bbb-8bbb-%012x' $$ $RANDOM)
cid() { printf '%04x%08x%052x' "$1" $$ 0; }
pod_dir() { echo "$base/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${1//-/_}.slice"; }
a1="$(pod_dir "$uid_a")/cri-containerd-$(cid 1).scope"
a2="$(pod_dir "$uid_a")/cri-containerd-$(cid 2).scope"
b1="$(pod_dir "$uid_b")/cri-containerd-$(cid 3).scope"
mkdir -p "$a1" "$a2" "$b1" || exit 1
export BPFSCOPE_POD_LOG_DIR="$TMP/pods"
mkdir -p "$TMP/pods/shop-$$_web-$$_$uid_a/nginx" "$TMP/pods/batch-$$_job-$$_$uid_b/worker"

remove_cgroups() {
	for d in "$a1" "$a2" "$b1"; do
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
	sleep 0.1
	find "$base" -depth -type d -exec rmdir {} + 2>/dev/null
}
trap 'remove_cgroups; cleanup' EXIT

# start_opener NAME CGROUP: an opener of $TMP/NAME-file, moved into CGROUP,
# blocked until a line is written to fd of $TMP/NAME.go
start_opener() {
	mkfifo "$TMP/$1.go"
	"$TARGETS/opener" "$TMP/$1-file-$$" <"$TMP/$1.go" >/dev/null &
	_pids+=($!)
	echo $! >"$2/cgroup.procs"
	eval "${1}_pid=$!"
}
release() { echo go >"$TMP/$1.go"; }

run_round() { # run_round NAME ARGS...: three openers, trace with ARGS
	local name=$1
	shift
	start_opener "${name}a1" "$a1"
	start_opener "${name}a2" "$a2"
	start_opener "${name}b1" "$b1"
	start_bpfscope "$name" opensnoop -o json -K "$@" || return 1
	release "${name}a1"
	release "${name}a2"
	release "${name}b1"
	# the openers exit after their open; then give the 10 ms drain a moment
	wait "$(eval echo \$${name}a1_pid)" "$(eval echo \$${name}a2_pid)" "$(eval echo \$${name}b1_pid)"
	sleep 0.2
	stop_bpfscope
}
paths_seen() { jq -r '.path' "$TMP/$1.out" | grep -o "$1[ab][12]-file" | sort -u | tr '\n' ' '; }

diag "$(date +%T.%N)"; run_round all
rec=$(jq -c "select(.path | endswith(\"alla1-file-$$\"))" "$TMP/all.out")
[ "$(jq -r .pod <<<"$rec")" = "web-$$" ] && [ "$(jq -r .namespace <<<"$rec")" = "shop-$$" ] &&
	[ "$(jq -r .container_id <<<"$rec")" = "$(cid 1 | cut -c1-12)" ]
ok $? "-K: pod web-$$, namespace shop-$$, container $(cid 1 | cut -c1-12) (got: $rec)"
rec=$(jq -c "select(.path | endswith(\"allb1-file-$$\"))" "$TMP/all.out")
[ "$(jq -r .pod <<<"$rec")" = "job-$$" ] && [ "$(jq -r .namespace <<<"$rec")" = "batch-$$" ]
ok $? "-K: pod B attributed to job-$$/batch-$$"
[ "$(paths_seen all)" = "alla1-file alla2-file allb1-file " ]
ok $? "without a filter all three openers are seen ($(paths_seen all))"

diag "$(date +%T.%N)"; run_round pod --pod "web-$$"
[ "$(paths_seen pod)" = "poda1-file poda2-file " ]
ok $? "--pod web-$$: both containers of pod A, not pod B ($(paths_seen pod))"
[ "$(jq -r .pod "$TMP/pod.out" | sort -u)" = "web-$$" ]
ok $? "--pod web-$$: every event is from that pod"

diag "$(date +%T.%N)"; run_round ns --namespace "batch-$$"
[ "$(paths_seen ns)" = "nsb1-file " ]
ok $? "--namespace batch-$$: only pod B ($(paths_seen ns))"

diag "$(date +%T.%N)"; run_round ctr --container "$(cid 2 | cut -c1-16)"
[ "$(paths_seen ctr)" = "ctra2-file " ]
ok $? "--container ID-prefix: only that container ($(paths_seen ctr))"

# execsnoop -K: an exec inside container a2
start_bpfscope exec execsnoop -K || exit 1
sh -c "echo \$\$ > '$a2/cgroup.procs'; exec /bin/echo marker-$$" >/dev/null
wait_for "$TMP/exec.out" "/bin/ech[o] marker-$$"
stop_bpfscope
line=$(grep "/bin/ech[o] marker-$$" "$TMP/exec.out")
grep -q "CONTAINER *POD *NAMESPACE" "$TMP/exec.out" &&
	[[ "$line" =~ $(cid 2 | cut -c1-12)\ +web-$$\ +shop-$$\ +/bin/echo ]]
ok $? "execsnoop -K text columns (got: $line)"

bad_input "--pod with no such pod: one error line" "no matching cgroup" opensnoop --pod "nosuch-$$"
bad_input "--namespace with no such namespace" "no matching cgroup" opensnoop --namespace "nosuch-$$"
bad_input "--container with no such id" "no matching cgroup" opensnoop --container "ffff$$ffff"
BPFSCOPE_CGROUP_ROOT=/nonexistent-$$ bad_input "unreadable cgroup root" "no matching cgroup" \
	opensnoop --pod "web-$$"
done_testing
