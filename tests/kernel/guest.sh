#!/bin/sh
# /init of a kernel-test guest (busybox sh, initramfs only, no disk, one CPU
# under qemu's TCG emulation). It runs bpfscope against real processes on the
# booted kernel and prints, on the serial console:
#   "KT: ok N - ..." / "KT: not ok N - ..."   TAP lines, renumbered by the host
#   "KTROW feature NAME yes|no DETAIL"        the feature table
#   "KTROW cap NAME MECHANISM ok|fail"        what each capability used
#   "KT: done"                                the guest finished
# scripts/kernel-test.sh collects them and writes docs/kernels.md.
#
# User space runs 15-20x slower here than on the host: every wait is
# bounded and generous, nothing is timed, and the work per test is one or two
# provoked events whose values the test chooses and then finds in the output.

/bin/busybox --install -s /bin
export PATH=/bin
# 64 KiB on 5.10: libbpf must raise it (no memcg accounting of BPF memory)
echo "KT: # RLIMIT_MEMLOCK at start: $(ulimit -l) KiB"
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
# tracefs stays unmounted on purpose: bpfscope must mount it itself.

n=0
failed=0
tag="kt$$"
say() { echo "KT: $*"; }
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then say "ok $n - $2"; else
		say "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
show() { sed 's/^/KT: #   /' "$1" | head -"${2:-15}"; }
cap() { echo "KTROW cap $1 $2 $3"; }
result() { [ "$1" -eq 0 ] && echo ok || echo fail; }

# wait_for FILE PATTERN [TENTHS]: bounded poll
wait_for() {
	i=0
	while [ $i -lt "${3:-300}" ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# start NAME ARGS...: bpfscope in the background until it has attached
start() {
	name=$1
	shift
	/bin/bpfscope "$@" >"/tmp/$name.out" 2>"/tmp/$name.err" &
	BPID=$!
	wait_for "/tmp/$name.err" 'tracing, Ctrl-C to end' 600 && return 0
	say "# bpfscope $* did not start:"
	show "/tmp/$name.err"
	return 1
}

stop() {
	kill -INT "$BPID" 2>/dev/null
	i=0
	while kill -0 "$BPID" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	wait "$BPID" 2>/dev/null
}

# The mechanism -v reported for a program ("attached via tp_btf").
mech_of() { sed -n "s/.*$2[a-z_]*: attached via \([a-z_]*\).*/\1/p" "/tmp/$1.err" | head -1; }

say "# kernel $(uname -r)"
# the kernel version as a number (6.1 -> 6001), for checks that depend on it
kver=$(uname -r | awk -F. '{print $1 * 1000 + $2}')
# the probe engine's checks (functions in tests/kernel/trace.sh)
. /bin/guest-trace.sh

# --- features: the table, and the basics every tool needs
/bin/bpfscope features -o json >/tmp/features.json 2>/tmp/features.err
ok $? "features: exits 0"
sed -n 's/{"feature":"\([^"]*\)","available":\([a-z]*\),"detail":"\(.*\)"}/KTROW feature \1 \2 \3/p' \
	/tmp/features.json | sed 's/ true / yes /; s/ false / no /'
# Debian's 5.10+ kernels have all of these: a probe answering "no" here
# would silently switch off an upgrade path.
for f in btf ringbuf tracepoint raw_tp tp_btf fentry kprobe uprobe perf_event; do
	grep -q "\"feature\":\"$f\",\"available\":true" /tmp/features.json
	ok $? "features: $f available"
done

# --- execsnoop (tracepoints): a unique argv, and a failed exec (ENOENT)
if start exec execsnoop -v; then
	/bin/true "$tag" second-arg
	sh -c "exec /nonexistent-$tag" 2>/dev/null
	wait_for /tmp/exec.out "nonexistent-$tag"
	stop
fi
line=$(grep -- "/bin/true $tag second-arg" /tmp/exec.out)
set -- $line
[ "$2" = true ] && [ "$4" = "$$" ] && [ "$5" = 0 ]
r=$?
ok $r "execsnoop: /bin/true $tag reported with comm true, ppid $$, ret 0 (got: $line)"
[ $r -ne 0 ] && show /tmp/exec.err
grep -q -- " -2 /nonexistent-$tag" /tmp/exec.out
r2=$?
ok $r2 "execsnoop: failed exec reported with ret -2"
cap execsnoop "$(mech_of exec execve_exit)" "$(result $((r + r2)))"

# --- opensnoop (default mechanism): a missing file and an existing one
opens() {
	cat "/tmp/missing-$tag" 2>/dev/null
	cat "/tmp/present-$tag" >/dev/null
}
echo data >"/tmp/present-$tag"
# check_opens NAME LABEL: the two opens of opens(), as the test made them
check_opens() {
	grep -q "\"comm\":\"cat\",\"fd\":-1,\"errno\":\"ENOENT\",\"flags\":\"O_RDONLY[^\"]*\",\"path\":\"/tmp/missing-$tag\"" \
		"/tmp/$1.out"
	r1=$?
	ok $r1 "opensnoop $2: open of a missing file reported with ENOENT, O_RDONLY and its path"
	grep -q "\"comm\":\"cat\",\"fd\":[0-9][0-9]*,\"errno\":\"0\",\"flags\":\"O_RDONLY[^\"]*\",\"path\":\"/tmp/present-$tag\"" \
		"/tmp/$1.out"
	r2=$?
	ok $r2 "opensnoop $2: successful open reported with its fd"
	[ $((r1 + r2)) -eq 0 ] || tail -8 "/tmp/$1.err" | sed "s/^/KT: #   /"
	return $((r1 + r2))
}
# normalized: the fields that must not depend on the mechanism
fields() { sed -n "s/.*\"comm\":\"cat\",\"fd\":\([-0-9]*\),\"errno\":\(\"[A-Z0-9]*\"\),\"flags\":\(\"[A-Z_|]*\"\),\"path\":\"\([^\"]*$tag\)\".*/\1 \2 \3 \4/p" "/tmp/$1.out"; }
if start open opensnoop -v -c cat -o json; then
	opens
	wait_for /tmp/open.out "present-$tag"
	stop
fi
check_opens open default
r=$?
omech=$(mech_of open "open[a-z0-9_]*")
cap opensnoop "$omech" "$(result $r)"

# --- the kprobe/fentry upgrade path gives the answers of the tracepoint path
if [ "$omech" != tracepoint ] && [ -n "$omech" ]; then
	if BPFSCOPE_DISABLE_FEATURES=fentry,kprobe start opentp opensnoop -v -c cat -o json; then
		opens
		wait_for /tmp/opentp.out "present-$tag"
		stop
	fi
	! grep -q 'open__.*attached via tracepoint' /tmp/open.err
	ok $? "opensnoop: with $omech, none of the tracepoint programs is attached"
	check_opens opentp "tracepoint fallback"
	r=$?
	fields open >/tmp/open.fields
	fields opentp >/tmp/opentp.fields
	[ "$(wc -l </tmp/open.fields)" -eq 2 ] && cmp -s /tmp/open.fields /tmp/opentp.fields
	r2=$?
	ok $r2 "opensnoop: $omech and tracepoint paths report the same fd, errno, flags and paths"
	sed "s/^/KT: #   $omech: /" /tmp/open.fields
	sed "s/^/KT: #   tracepoint: /" /tmp/opentp.fields
	cap opensnoop-fallback "$(mech_of opentp "open[a-z0-9_]*")" "$(result $((r + r2)))"
fi

# --- runqlat: tp_btf where present, and raw_tp forced; two spinners on one CPU
spin() { while :; do :; done; }
spin &
s1=$!
spin &
s2=$!
# runq NAME LABEL [ENV [ROW-SUFFIX [ARGS]]]: a 2 s histogram must have samples
runq() {
	timeout 60 env $3 /bin/bpfscope runqlat -v -o json -d 2 $5 >"/tmp/$1.out" 2>"/tmp/$1.err"
	rc=$?
	count=$(sed -n 's/.*"hist":{"unit":"[a-z]*","count":\([0-9]*\).*/\1/p' "/tmp/$1.out" | head -1)
	[ $rc -eq 0 ] && [ "${count:-0}" -gt 20 ]
	r=$?
	ok $r "runqlat $2: exits 0 with ${count:-no} run-queue samples (> 20 expected: two spinners on one CPU)"
	[ $r -ne 0 ] && tail -8 "/tmp/$1.err" | sed "s/^/KT: #   /"
	mech=$(mech_of "$1" sched_switch)
	cap "runqlat$4" "$mech" "$(result $r)"
}
runq rq default
[ "$mech" = tp_btf ] || grep -q '"feature":"tp_btf","available":false' /tmp/features.json
ok $? "runqlat: uses tp_btf where the kernel has it (got $mech)"
runq rqraw "raw_tp fallback" BPFSCOPE_DISABLE_FEATURES=tp_btf -raw_tp
[ "$mech" = raw_tp ]
ok $? "runqlat: raw_tp chosen when tp_btf is unavailable (got $mech)"
# --btf: CO-RE against a file (here a copy of this kernel's own BTF)
timeout 30 cp /sys/kernel/btf/vmlinux /tmp/kernel.btf
say "# --btf file: a copy of /sys/kernel/btf/vmlinux, $(wc -c </tmp/kernel.btf) bytes"
runq rqbtf "--btf FILE" "" -btf "--btf /tmp/kernel.btf"

# --- stack tools: profile (perf_event sampling) sees the spinning shells,
# offcputime (sched_switch) sees a shell blocked waiting for its sleeps
# stack_tool NAME PROGRAM WHAT ARGS...: a 2 s run of a folded-stack tool
# must count something in stacks of this script's subshells, whose comm is
# "init" (the kernel ran /init)
stack_tool() {
	name=$1 prog=$2 what=$3
	shift 3
	timeout 60 /bin/bpfscope "$@" -v -d 2 -f >"/tmp/$name.out" 2>"/tmp/$name.err"
	total=$(awk '/^init;/ { n += $NF } END { print n + 0 }' "/tmp/$name.out")
	[ "$total" -gt 0 ]
	r=$?
	ok $r "$1: $total $what"
	[ $r -ne 0 ] && head -c 600 "/tmp/$name.out" | sed "s/^/KT: #   /"
	cap "$1" "$(mech_of "$name" "$prog")" "$(result $r)"
}
stack_tool prof on_sample "samples in stacks of the spinning shells" profile -F 99
kill $s1 $s2
(while :; do sleep 0.1; done) &
sleeper=$!
stack_tool offcpu sched_switch "us off CPU in stacks of shells waiting (for sleeps, for bpfscope)" \
	offcputime
kill $sleeper

# --- trace (the probe engine): tests/kernel/trace.sh
guest_trace
guest_spans

# --- crash: the flight recorder (tests/kernel/trace.sh)
guest_crash

# --- tcptop: fexit (or kprobe) on inet_sendmsg/inet_recvmsg where the kernel
# has them, else the sock:sock_send_length/recv_length tracepoints (6.3+).
# Each mechanism the kernel offers must count the same bytes for the same
# exchange over IPv4 and IPv6 loopback.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
# tcp_bytes NAME DISABLED_FEATURES: prints "MECH v4RX/v4TX v6RX/v6TX" of the servers
tcp_bytes() {
	/bin/tcppeer server 4321 >"/tmp/$1.s4" &
	s4=$!
	/bin/tcppeer server -6 1234 >"/tmp/$1.s6" &
	s6=$!
	wait_for "/tmp/$1.s4" '^port ' 100 && wait_for "/tmp/$1.s6" '^port ' 100 || return 1
	p4=$(sed -n 's/^port //p' "/tmp/$1.s4")
	p6=$(sed -n 's/^port //p' "/tmp/$1.s6")
	BPFSCOPE_DISABLE_FEATURES=$2 start "$1" tcptop -v -o json -i 600 || return 1
	/bin/tcppeer client "$p4" 98765 >/dev/null
	/bin/tcppeer client -6 "$p6" 5678 >/dev/null
	wait $s4 $s6
	stop
	row4=$(grep "\"pid\":$s4," "/tmp/$1.out")
	row6=$(grep "\"pid\":$s6," "/tmp/$1.out")
	echo "$(mech_of "$1" send__) $(echo "$row4" | sed -n 's/.*"rx_bytes":\([0-9]*\),"tx_bytes":\([0-9]*\).*/\1\/\2/p') $(echo "$row6" | sed -n 's/.*"rx_bytes":\([0-9]*\),"tx_bytes":\([0-9]*\).*/\1\/\2/p')"
}
tcptop_check() { # NAME DISABLED EXPECTED_MECH: one ok line per mechanism
	want=$3
	got=$(tcp_bytes "$1" "$2")
	set -- "$1" "$2" $got
	[ "$3" = "$want" ] && [ "$4" = 98765/4321 ] && [ "$5" = 5678/1234 ]
	r=$?
	ok $r "tcptop via ${3:-nothing} (want $want): IPv4 server rx/tx 98765/4321, IPv6 5678/1234 (got: $4 $5)"
	[ $r -ne 0 ] && show "/tmp/$1.err" && show "/tmp/$1.out"
	cap "tcptop-$1" "${3:-none}" "$(result $r)"
}
tcptop_check fexit "" fentry
tcptop_check kprobe fentry kprobe
if [ "$kver" -ge 6003 ]; then
	tcptop_check tp fentry,kprobe tp_btf
else # before 6.3 the tracepoints do not exist: without fentry and kprobes, one line
	BPFSCOPE_DISABLE_FEATURES=fentry,kprobe /bin/bpfscope tcptop -d 1 >/dev/null 2>/tmp/tcptp.err
	r=$?
	[ $r -ne 0 ] && [ "$(wc -l </tmp/tcptp.err)" -eq 1 ] && grep -q "no way to attach" /tmp/tcptp.err
	ok $? "tcptop without fentry and kprobes before 6.3: one clear line ($(cat /tmp/tcptp.err))"
fi

# --- filetop: bytes per file with the path walked in the kernel (dentries
# and the tmpfs mount crossing, an unrolled loop that must also verify on
# kernels without bpf_loop)
if start ft filetop -v -o json -c dd -i 600; then
	dd if=/dev/zero of="/tmp/ft-$tag" bs=1000 count=12 2>/dev/null
	sleep 0.5
	stop
fi
grep -q "\"writes\":12,\"rbytes\":0,\"wbytes\":12000,\"type\":\"R\",\"file\":\"/tmp/ft-$tag\"" /tmp/ft.out
r=$?
ok $r "filetop: 12 writes, 12000 bytes to /tmp/ft-$tag, path resolved in the kernel"
[ $r -ne 0 ] && show /tmp/ft.out && show /tmp/ft.err
cap filetop "$(mech_of ft write_exit)" "$(result $r)"

# --- discover: every function of a binary counted through one uprobe_multi
# link (6.6+) or one uprobe per function (6.1); cookies (5.15+) name them
T=/bin/trace_target
if [ "$kver" -ge 5015 ]; then
	if start disc discover -v -o json "$T" 'recurse' -d 600; then
		$T run 4 >/dev/null 2>&1
		stop
	fi
	grep -q '"calls":28,"function":"recurse"' /tmp/disc.out
	r=$?
	how=$(sed -n 's/.* probed via \([a-z_ -]*\) in .*/\1/p' /tmp/disc.err | head -1)
	ok $r "discover: recurse counted 28 times (via ${how:-?})"
	[ $r -ne 0 ] && show /tmp/disc.out && show /tmp/disc.err
	cap discover "$(echo "${how:-?}" | tr " " _)" "$(result $r)"
else
	/bin/bpfscope discover "$T" recurse -d 1 >/dev/null 2>/tmp/disc.err
	r=$?
	[ $r -ne 0 ] && [ "$(wc -l </tmp/disc.err)" -eq 1 ] && grep -q 'needs BPF cookies' /tmp/disc.err
	r=$?
	ok $r "discover: refused in one line without BPF cookies ($(cat /tmp/disc.err))"
	cap discover none "$(result $r)"
fi

# --- every catalogue tool: starts and ends cleanly (-d), or refuses in one
# line saying what the kernel lacks. Nothing is provoked here: the checks
# above prove values; this row proves nothing else crashes or half-starts.
sweep_bad=""
for tool in biolatency biosnoop bitesize cpudist execsnoop exitsnoop fileslower filetop \
	killsnoop mmapsnoop netpath offcputime oomkill opensnoop pagefaults profile runqlat \
	runqlen statsnoop syncsnoop syscount tcpaccept tcpconnect tcpconnlat tcpdrop tcplife \
	tcpretrans tcpstates tcptop wakeup gethostlatency; do
	/bin/bpfscope "$tool" -d 0.3 >/dev/null 2>"/tmp/sweep.err" </dev/null
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "KTROW tool $tool yes starts"
	else
		echo "KTROW tool $tool no $(head -1 /tmp/sweep.err | sed 's/^bpfscope [a-z]*: //')"
		[ "$(grep -vc '^bpfscope: ' /tmp/sweep.err)" -eq 1 ] || sweep_bad="$sweep_bad $tool"
	fi
done
[ -z "$sweep_bad" ]
ok $? "every catalogue tool starts, or refuses in one line (not so:${sweep_bad:- none})"


# --- net (issue #8): tc egress + XDP/tc ingress on a veth pair between two
# network namespaces, with five UDP datagrams of known payloads echoed back.
# Mechanisms: tcx links on 6.6+, classic clsact filters before; ingress on a
# veth is tc (auto mode), generic XDP when asked (needs bpf_xdp_load_bytes,
# 5.18+); the syscall programs are direct with bpf_rdonly_cast (6.2+),
# compat before; the clock is TAI where bpf_ktime_get_tai_ns exists (6.1+),
# monotonic + offset before.
# iproute2 from the host (busybox ip has no netns or veth)
IP2=/usr/sbin/ip TC2=/usr/sbin/tc
# net_run NAME [ENV [NET ARGS...]]: bpfscope net in netns ktc during the datagrams
net_run() {
	local name=$1 envs=$2
	shift 2
	env $envs $IP2 netns exec ktc /bin/bpfscope net -v -i vkc -o json "$@" >"/tmp/$name.out" 2>"/tmp/$name.err" &
	BPID=$!
	if ! wait_for "/tmp/$name.err" 'tracing, Ctrl-C to end' 900; then
		say "# bpfscope net did not start (the end of its log):"
		grep -v '^libbpf' "/tmp/$name.err" | sed 's/^/KT: #   /' | tail -25
	fi
	$IP2 netns exec ktc /bin/netlab udp 10.99.0.2 7201 5 20000 100 >"/tmp/$name.traffic" 2>&1
	stop
}
# net_check NAME LABEL: exact counts, and no classic filter left behind
net_check() {
	grep -q '"flow":"[^"]* 10.99.0.1:[0-9]* -> ? 10.99.0.2:7201 udp","messages":5,"segments":{"tx_host":{"count":5,' "/tmp/$1.out" &&
		grep -q '"flow":"? 10.99.0.2:7201 -> [^"]* udp","messages":5,"segments":{"rx_host":{"count":5,' "/tmp/$1.out" &&
		grep -q '"type":"summary","records":\[5,5,5,5\]' "/tmp/$1.out"
	r=$?
	ok $r "net $2: 5 UDP sends with host TX and 5 echoes with host RX, 5 records per boundary ($(cat "/tmp/$1.traffic"))"
	[ $r -ne 0 ] && show "/tmp/$1.out" && grep -v '^libbpf' "/tmp/$1.err" | sed 's/^/KT: #   /' | head -20
	[ -z "$($TC2 -n ktc filter show dev vkc egress)" ] && [ -z "$($TC2 -n ktc filter show dev vkc ingress)" ]
	r2=$?
	ok $r2 "net $2: no tc filter left on vkc after exit"
	return $((r + r2))
}
net_lab() {
	# Debian builds veth, sch_ingress (clsact) and cls_bpf as modules: the
	# host put this kernel's copies in the initramfs
	for m in /lib/modules/net/*.ko; do
		[ -f "$m" ] && insmod "$m"
	done
	mkdir -p /run/netns
	$IP2 netns add ktc && $IP2 netns add kts &&
		$IP2 link add vkc netns ktc type veth peer name vks netns kts &&
		$IP2 -n ktc addr add 10.99.0.1/24 dev vkc && $IP2 -n kts addr add 10.99.0.2/24 dev vks &&
		$IP2 -n ktc link set vkc up && $IP2 -n kts link set vks up &&
		$IP2 -n ktc link set lo up && $IP2 -n kts link set lo up
}
if net_lab 2>/tmp/netlab.err; then
	$IP2 netns exec kts /bin/netlab uecho 7201 200 >/dev/null 2>&1 &
	echo_pid=$!
	net_run kn ""
	net_check kn default
	r=$?
	tcmech=$(mech_of kn net_tc_egress)
	inmech=$(mech_of kn "net_[a-z]*_ingress")
	clock=$(sed -n 's/.*"clock":"clock: \([a-z+]*\),.*/\1/p' /tmp/kn.out)
	sysset=$(sed -n 's/.*net: \([a-z]*\) .*syscall programs.*/\1/p' /tmp/kn.err | head -1)
	if [ "$kver" -ge 6006 ]; then want_tc=tcx; else want_tc=tc_legacy; fi
	want_in=$want_tc
	if [ "$kver" -ge 6002 ]; then want_sys=direct; else want_sys=compat; fi
	if [ "$kver" -ge 6001 ]; then want_clock=tai; else want_clock=monotonic+offset; fi
	[ "$tcmech" = "$want_tc" ]
	ok $? "net: tc egress via $want_tc (got ${tcmech:-none})"
	[ "$inmech" = "$want_in" ]
	ok $? "net: ingress on a veth via $want_in (got ${inmech:-none})"
	[ "$sysset" = "$want_sys" ]
	ok $? "net: $want_sys syscall programs (got ${sysset:-none})"
	cap net-syscalls "$sysset" "$(result $r)"
	[ "$clock" = "$want_clock" ]
	ok $? "net: clock $want_clock (got ${clock:-none})"
	cap net "$tcmech" "$(result $r)"
	cap net-ingress "$inmech" "$(result $r)"
	cap net-clock "$clock" "$(result $r)"
	joined=$(sed -n 's/.*net: joined in the kernel.*/kernel/p; s/.*net: joined in user space.*/user/p' /tmp/kn.err | head -1)
	[ "$joined" = kernel ]
	ok $? "net: joined in the kernel (got ${joined:-none})"
	cap net-join "$joined" "$(result $r)"
	if [ "$joined" = kernel ]; then
		net_run knu "" --join user
		net_check knu "--join user"
		r=$?
		cap net-join-fallback "$(sed -n 's/.*net: joined in user space.*/user/p' /tmp/knu.err | head -1)" "$(result $r)"
	fi
	if [ "$tcmech" = tcx ]; then
		net_run knl BPFSCOPE_DISABLE_FEATURES=tcx
		net_check knl "tcx disabled"
		r=$?
		cap net-fallback "$(mech_of knl net_tc_egress)" "$(result $r)"
	fi
	if [ "$kver" -ge 5018 ]; then
		net_run knx "" --ingress xdp
		net_check knx "--ingress xdp"
		r=$?
		[ "$(mech_of knx net_xdp_ingress)" = xdp_generic ]
		ok $? "net --ingress xdp: ingress via xdp_generic (got $(mech_of knx net_xdp_ingress))"
		cap net-xdp "$(mech_of knx net_xdp_ingress)" "$(result $r)"
	fi
	if [ "$sysset" = direct ]; then
		net_run knc BPFSCOPE_DISABLE_FEATURES=rdonly_cast
		net_check knc "rdonly_cast disabled"
		r=$?
		cap net-syscalls-fallback "$(sed -n 's/.*net: \([a-z]*\) .*syscall programs.*/\1/p' /tmp/knc.err | head -1)" "$(result $r)"
	fi
	kill $echo_pid
else
	ok 1 "net: veth pair between two network namespaces created"
	show /tmp/netlab.err
fi

say "1..$n"
say "done"
poweroff -f
