# Nothing left behind: every long-running command is started at once, each
# is stopped with the signal the test file chooses (SIGINT, SIGTERM or
# SIGKILL), and every BPF program and link that instance held (read from its
# /proc/PID/fdinfo, because other tracers run concurrently) must be gone, as
# must the tc/XDP attachments of `net` on a veth pair in a private namespace.
# Starting all commands concurrently keeps this within seconds, not minutes.
# Source after lib.bash; call leftovers_run SIGNAL.

# name|arguments (the target's pid is @PID@, the trace target @TARGET@)
LEFTOVER_COMMANDS=(
	"execsnoop|" "exitsnoop|" "opensnoop|" "statsnoop|" "syncsnoop|" "killsnoop|"
	"mmapsnoop|" "fileslower|" "filetop|" "biolatency|" "biosnoop|" "bitesize|"
	"cpudist|" "runqlat|" "runqlen|" "offcputime|" "profile|" "pagefaults|"
	"wakeup|-p @PID@" "syscount|" "tcpaccept|" "tcpconnect|" "tcpconnlat|"
	"tcpdrop|" "tcplife|" "tcpretrans|" "tcpstates|" "tcptop|" "oomkill|"
	"gethostlatency|" "memleak|-p @PID@" "netpath|" "php|/usr/bin/php8.2" "crash|-p @PID@"
	"trace|r:@TARGET@:cache_fetch { hist(duration) }"
	"trace|u:@TARGET@:cache_fetch { print(arg1) }"
	"discover|-p @PID@ -d 600 --time --within process_request @TARGET@"
	"spans|root u:@TARGET@:process_request"
)

_started_all() { # waits (bounded) until every instance printed its start line
	local i name
	for _ in $(seq 1 900); do
		i=0
		for name in "$@"; do
			grep -q 'tracing, Ctrl-C to end' "$TMP/$name.err" 2>/dev/null && i=$((i + 1))
		done
		[ "$i" -eq $# ] && return 0
		sleep 0.1
	done
	return 1
}

leftovers_run() {
	local sig=$1 entry name args n=0 names=() pids=() target ns=bpfl$$
	# a live process with the traced functions, waiting on its gate
	start_gated tgt "$TARGETS/trace_target" wait 1
	target=$GATED_PID

	ip netns add "$ns" && ip -n "$ns" link add va$$ type veth peer name vb$$ &&
		ip -n "$ns" link set va$$ up && ip -n "$ns" link set vb$$ up || return 1
	for entry in "${LEFTOVER_COMMANDS[@]}" "net|-i va$$ -i vb$$"; do
		name=${entry%%|*}
		args=${entry#*|}
		args=${args//@PID@/$target}
		args=${args//@TARGET@/$TARGETS/trace_target}
		n=$((n + 1))
		names+=("c$n-$name")
		if [ "$name" = net ]; then
			# generic XDP: bpftool (libbpf 1.1) shows XDP attachments, not tcx links
			ip netns exec "$ns" "$BPFSCOPE" net -i va$$ -i vb$$ --ingress xdp >"$TMP/c$n-$name.out" 2>"$TMP/c$n-$name.err" &
		elif [ "$name" = trace ]; then
			"$BPFSCOPE" trace -p "$target" "$args" >"$TMP/c$n-$name.out" 2>"$TMP/c$n-$name.err" &
		else
			# shellcheck disable=SC2086
			"$BPFSCOPE" "$name" $args >"$TMP/c$n-$name.out" 2>"$TMP/c$n-$name.err" &
		fi
		pids+=($!)
		_pids+=($!)
	done
	_started_all "${names[@]}"
	ok $? "all ${#names[@]} commands attached"
	for name in "${names[@]}"; do
		grep -q 'tracing, Ctrl-C' "$TMP/$name.err" || { diag "$name did not start:"; show "$TMP/$name.err" 5; }
	done

	local progs=() links=() i
	for i in "${!pids[@]}"; do
		progs[i]=$(bpf_ids "${pids[i]}" prog_id)
		links[i]=$(bpf_ids "${pids[i]}" link_id)
	done
	local net_attached
	net_attached=$(ip netns exec "$ns" bpftool net show 2>/dev/null | grep -c -E 'va|vb')

	for i in "${!pids[@]}"; do kill -"$sig" "${pids[i]}" 2>/dev/null; done
	local bad_exit=() left=() nprog=0 nlink=0 st
	for i in "${!pids[@]}"; do
		for _ in $(seq 1 200); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.05; done
		wait "${pids[i]}" 2>/dev/null
		st=$?
		# a graceful stop exits 0; SIGKILL's status is 128+9
		if [ "$sig" = KILL ]; then [ "$st" -eq 137 ] || bad_exit+=("${names[i]}:$st"); 
		else [ "$st" -eq 0 ] || bad_exit+=("${names[i]}:$st"); fi
	done
	sleep 0.5 # the kernel releases links and programs after the last fd closes
	for i in "${!pids[@]}"; do
		for id in ${progs[i]}; do
			nprog=$((nprog + 1))
			bpftool prog show id "$id" >/dev/null 2>&1 && left+=("${names[i]}:prog$id")
		done
		for id in ${links[i]}; do
			nlink=$((nlink + 1))
			bpftool link show id "$id" >/dev/null 2>&1 && left+=("${names[i]}:link$id")
		done
		[ -n "${progs[i]}" ] || left+=("${names[i]}:no-programs-seen")
	done
	[ ${#bad_exit[@]} -eq 0 ]
	ok $? "SIG$sig: every command exited as expected (${bad_exit[*]:-all})"
	[ ${#left[@]} -eq 0 ] && [ "$nprog" -gt 0 ] && [ "$nlink" -gt 0 ]
	ok $? "SIG$sig: $nprog programs and $nlink links of ${#names[@]} commands gone (left: ${left[*]:-none})"
	local net_left
	net_left=$(ip netns exec "$ns" bpftool net show 2>/dev/null | grep -c -E 'va|vb')
	[ "$net_attached" -gt 0 ] && [ "$net_left" -eq 0 ]
	ok $? "SIG$sig: net's tc/XDP attachments ($net_attached before) are gone from the veth pair ($net_left left)"
	ip netns exec "$ns" ip link show va$$ | grep -q xdp
	[ $? -ne 0 ]
	ok $? "SIG$sig: no XDP program left on the interface"
	ip netns del "$ns"
}
