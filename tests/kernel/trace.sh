# Sourced by tests/kernel/guest.sh (busybox sh, as /bin/guest-trace.sh): the
# probe engine on the booted kernel. Where the kernel lacks bpf_loop, BPF
# cookies or task-local storage (5.10) trace runs on its fallbacks
# (src/probe/compat.c); elsewhere the fallbacks are forced with
# BPFSCOPE_DISABLE_FEATURES and must report what the preferred path reported.
# Uses guest.sh's say, ok, show, cap, result, start, stop, wait_for, $tag.

T=/bin/trace_target
U=/bin/usdt_target
COMPAT_OFF=bpf_loop,bpf_cookie,task_storage
COMPAT_OPS=32 # PROBE_COMPAT_OPS in src/bpf/probe_compat.h

# tstart NAME ARGS...: guest.sh's start, but it gives up as soon as
# bpfscope has exited (a load the verifier refused takes no 60 s wait)
tstart() {
	name=$1
	shift
	/bin/bpfscope "$@" >"/tmp/$name.out" 2>"/tmp/$name.err" &
	BPID=$!
	i=0
	while [ $i -lt 1200 ]; do
		grep -q 'tracing, Ctrl-C to end' "/tmp/$name.err" 2>/dev/null && return 0
		kill -0 $BPID 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	say "# bpfscope $* did not start:"
	grep -v '^libbpf' "/tmp/$name.err" | tail -8 | sed 's/^/KT: #   /'
	return 1
}

# engine_of NAME: the mechanisms trace -v reported, as one word for the table
engine_of() {
	case "$(sed -n 's/.*probe engine: //p' "/tmp/$1.err" | head -1)" in
	"BPF cookies, bpf_loop, task-local storage") echo cookie+bpf_loop+task_storage ;;
	"a program per probe, bounded loop, per-thread hash") echo per_probe+bounded_loop+thread_hash ;;
	"") echo none ;;
	*) echo other ;;
	esac
}

# values NAME: what must not depend on the mechanism (no times, pids, tids)
values() {
	sed -n 's/.*"probe":"\([^"]*\)".*"fields":\(.*\)}$/\1 \2/p; s/.*"probe":"\([^"]*\)","keys":{[^}]*},"count":\([0-9]*\).*/\1 count \2/p' \
		"/tmp/$1.out" | sort
	sed -n 's/^bpfscope: \(.*: [0-9]* hits, .*\)/\1/p' "/tmp/$1.err"
}

# trace_uprobes NAME DISABLED: DWARF fields, a paired uretprobe histogram and
# a predicate on the return value with entry arguments
trace_uprobes() {
	if BPFSCOPE_DISABLE_FEATURES=$2 tstart "$1" trace -v -o json \
		"u:$T:process_request { print(r->id, r->the_request, r->hostname) }" \
		"r:$T:recurse { hist(duration) }" \
		"r:$T:cache_fetch if retval == 0 { print(str(key->val, key->len), ttl) }"; then
		$T run 4 >/tmp/tt.out 2>&1
		stop
	fi
	grep -q '"r->id":1,"r->the_request":"POST /item/1 HTTP/1.1","r->hostname":"host1.example"' "/tmp/$1.out"
	r1=$?
	ok $r1 "trace $3: uprobe with struct fields by name (DWARF)"
	# recurse(3) is 4 calls per round, the worker's recurse(2) 3 per round: 28
	grep -q '"count":28' "/tmp/$1.out"
	r2=$?
	ok $r2 "trace $3: uretprobe latency histogram paired in the kernel counts all 28 returns"
	[ "$(grep -c '"str(key->val, key->len)":"session:10","ttl":30' "/tmp/$1.out")" -eq 2 ] &&
		grep -q 'cache_fetch: 4 hits, 0 sampled out, 2 filtered, 2 emitted' "/tmp/$1.err"
	r3=$?
	ok $r3 "trace $3: predicate on the return value keeps the 2 misses, with entry arguments"
	[ $((r1 + r2 + r3)) -ne 0 ] && show "/tmp/$1.out" && grep -v '^libbpf' "/tmp/$1.err" | tail -12 | sed 's/^/KT: #   /'
	return $((r1 + r2 + r3))
}

# trace_usdt NAME DISABLED: USDT arguments (-p: without cookies libbpf finds
# the spec by the probe's absolute address, which a PIE has per process)
trace_usdt() {
	rm -f /tmp/ugate
	mkfifo /tmp/ugate
	$U 4 </tmp/ugate >"/tmp/$1.target" 2>&1 &
	upid=$!
	exec 7>/tmp/ugate
	wait_for "/tmp/$1.target" ready 300
	if BPFSCOPE_DISABLE_FEATURES=$2 tstart "$1" trace -v -o json -p $upid \
		"usdt:$U:bpfscope_test:guarded { print(arg0, str(arg1)) }" \
		"usdt:$U:plain { print(arg0, arg1, str(arg2)) }"; then
		echo go >&7
		wait_for "/tmp/$1.target" done 300
		stop
	fi
	exec 7>&-
	wait $upid 2>/dev/null
	grep -q '"arg0":3,"str(arg1)":"guarded-word"' "/tmp/$1.out" && grep -q '"arg0":-2,"arg1":2000' "/tmp/$1.out"
	r=$?
	ok $r "trace: USDT arguments (guarded-word behind a semaphore, -2 and 2000)"
	[ $r -ne 0 ] && show "/tmp/$1.out" && grep -v '^libbpf' "/tmp/$1.err" | tail -8 | sed 's/^/KT: #   /'
	return $r
}

# trace_tp NAME DISABLED: a tracepoint field read as a user string, with a
# string comparison in the predicate (cat opens a missing file three times;
# not the shell itself: busybox exits when a builtin's redirection fails)
trace_tp() {
	f="/tmp/missing-tp-$tag"
	if BPFSCOPE_DISABLE_FEATURES=$2 tstart "$1" trace -v -o json \
		"t:syscalls:sys_enter_openat if str(filename) == \"$f\" { print(str(filename), comm) }"; then
		for i in 1 2 3; do cat "$f" 2>/dev/null; done
		wait_for "/tmp/$1.out" "missing-tp-$tag" 100
		sleep 0.5
		stop
	fi
	[ "$(grep -c "\"str(filename)\":\"$f\",\"comm\":\"cat\"" "/tmp/$1.out")" -eq 3 ]
	r=$?
	ok $r "trace: tracepoint field as a string, string predicate (3 opens by cat)"
	[ $r -ne 0 ] && show "/tmp/$1.out" && grep -v '^libbpf' "/tmp/$1.err" | tail -8 | sed 's/^/KT: #   /'
	return $r
}

# How many interpreter steps the verifier of a kernel without bpf_loop
# accepts in the bounded loop, on the largest program (a return probe's:
# pairing, then the loop). trace allows all 64 (PROBE_MAX_OPS): 64 must load.
trace_steps() {
	steps_ok=1
	for n in 16 32 64; do
		BPFSCOPE_COMPAT_STEPS=$n timeout 200 /bin/bpfscope trace "r:$T:recurse" -d 1 \
			>/tmp/steps.out 2>/tmp/steps.err
		if grep -q 'tracing, Ctrl-C' /tmp/steps.err; then
			say "# bounded loop of $n steps: accepted by the verifier"
			[ $n -eq 64 ] && steps_ok=0
		else
			say "# bounded loop of $n steps: rejected ($(grep -v '^libbpf' /tmp/steps.err | tail -1))"
			break
		fi
	done
	ok $steps_ok "trace: the bounded loop of 64 steps (PROBE_MAX_OPS) loads"
}

# What the fallbacks cannot do (triggers: atomics of 5.12+): one line.
trace_refusal() {
	BPFSCOPE_DISABLE_FEATURES=$1 /bin/bpfscope trace --trigger 'rate(p0) > 10 -> capture(p0, 1)' \
		"u:$T:process_request" >/tmp/trig.out 2>/tmp/trig.err
	r=$?
	[ $r -ne 0 ] && [ "$(wc -l </tmp/trig.err)" -eq 1 ] && grep -q 'triggers need BPF cookies' /tmp/trig.err
	ok $? "trace: triggers refused in one line ($(cat /tmp/trig.err))"
}

guest_trace() {
	trace_uprobes tr "" uprobes
	r1=$?
	cap trace "$(engine_of tr)" "$(result $r1)"
	trace_usdt tru "" usdt
	r2=$?
	cap trace-usdt "$(engine_of tru)" "$(result $r2)"
	trace_tp trt "" tracepoint
	r3=$?
	cap trace-tracepoint "$(engine_of trt)" "$(result $r3)"
	if [ "$(engine_of tr)" = per_probe+bounded_loop+thread_hash ]; then
		trace_steps
		trace_refusal ""
		return
	fi
	# the fallbacks forced on a kernel that has everything: same values
	trace_uprobes trf "$COMPAT_OFF" "fallback"
	r=$?
	values tr >/tmp/tr.values
	values trf >/tmp/trf.values
	[ "$(wc -l </tmp/tr.values)" -ge 10 ] && cmp -s /tmp/tr.values /tmp/trf.values
	r2=$?
	ok $r2 "trace: the fallbacks report the same fields, counts and accounting as the preferred path"
	[ $r2 -ne 0 ] && diff /tmp/tr.values /tmp/trf.values | head -10 | sed 's/^/KT: #   /'
	cap trace-fallback "$(engine_of trf)" "$(result $((r + r2)))"
}

# crash_mech NAME: how the recorder got registers and mappings (-v)
crash_mech() {
	case "$(sed -n 's/.*crash recorder: //p' "/tmp/$1.err" | head -1)" in
	"registers from bpf_task_pt_regs, mappings from bpf_find_vma") echo task_pt_regs+find_vma ;;
	"registers from the kernel stack, mappings from the mm's list (no bpf_loop)") echo kernel_stack+vma_list ;;
	"") echo none ;;
	*) echo other ;;
	esac
}

# The flight recorder catches a SIGSEGV in -O2 code without frame pointers,
# with the last probe events and a stack unwound from .eh_frame.
guest_crash() {
	if tstart crash crash -v -c crashy "u:/bin/crashy:process_record { print(r->id, r->len) }"; then
		echo go | /bin/crashy records 5 >/dev/null 2>&1
		wait_for /tmp/crash.out 'process_record r->id=5' 300
		stop
		grep -q 'SIGSEGV' /tmp/crash.out && grep -q 'checksum_payload' /tmp/crash.out &&
			grep -q 'parse_record' /tmp/crash.out && grep -q 'main' /tmp/crash.out
		r1=$?
		ok $r1 "crash: SIGSEGV report with the leaf, its callers and main unwound"
		grep -q 'process_record r->id=5 r->len=' /tmp/crash.out
		r2=$?
		ok $r2 "crash: the ring holds the last probe event (record 5)"
		say "# crash: $(grep -m1 '^user stack' /tmp/crash.out)"
		[ $((r1 + r2)) -ne 0 ] && show /tmp/crash.out 40 &&
			grep -v '^libbpf' /tmp/crash.err | tail -10 | sed 's/^/KT: #   /'
		cap crash "$(crash_mech crash)" "$(result $((r1 + r2)))"
	else
		ok 1 "crash: the recorder starts"
		cap crash "$(crash_mech crash)" fail
	fi
}

# Request spans of tests/targets/spans_target (its own echo server on
# 127.0.0.1): a root with child spans and socket I/O attributed per peer.
guest_spans() {
	S=/bin/spans_target
	ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
	rm -f /tmp/sgate
	mkfifo /tmp/sgate
	$S 2 </tmp/sgate >/tmp/spans.target 2>&1 &
	spid=$!
	exec 8>/tmp/sgate
	wait_for /tmp/spans.target '^port ' 300
	if tstart spans spans -v -p $spid -o json \
		"root u:$S:handle_request { attr(path, str(arg0->path)); attr(id, arg0->id) }" \
		"r:$S:cache_get { attr(ok, retval); attr(key, str(arg0)) }" "u:$S:cache_mget" \
		"u:$S:db_query" "span u:$S:db_exec" "u:$S:serve_one"; then
		echo go >&8
		wait_for /tmp/spans.out '"/serve","id":"7"' 300
		stop
	fi
	exec 8>&-
	wait $spid 2>/dev/null
	[ "$(grep -c '"probe":"handle_request"' /tmp/spans.out)" -eq 8 ] &&
		[ "$(grep -c '"attrs":{"path":"/get","id":"[04]"},"children":{"cache_get":3}' /tmp/spans.out)" -eq 2 ] &&
		[ "$(grep -c '"children":{"db_query":1,"db_exec":1}' /tmp/spans.out)" -eq 2 ] &&
		[ "$(grep -c '"path":"/get".*"peers":\[{"peer":"127.0.0.1:[0-9]*","calls":6,"round_trips":3' /tmp/spans.out)" -eq 2 ]
	r=$?
	ok $r "spans: 8 requests, /get with 3 cache_get children and 3 round trips to 127.0.0.1, /db nested"
	[ $r -ne 0 ] && show /tmp/spans.out 6 &&
		sed -n '/BEGIN PROG LOAD LOG/,/END PROG LOAD LOG/p' /tmp/spans.err | tail -150 | sed 's/^/KT: #   /'
	cap spans "$(engine_of spans)" "$(result $r)"
}
