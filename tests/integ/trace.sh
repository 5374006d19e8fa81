#!/usr/bin/env bash
# bpfscope trace against real processes: the eight use cases of the probe
# language, pairing, sampling, duty cycling, accounting and bad input.
source "$(dirname "$0")/lib.bash"
plan 27

T="$TARGETS/trace_target"

# trace_rounds NAME ROUNDS BPFSCOPE-ARGS...: runs trace_target ROUNDS rounds
# under bpfscope trace -p; output in $TMP/NAME.out/.err
trace_rounds() {
	local name=$1 rounds=$2
	shift 2
	start_gated "$name-t" taskset -c 0 "$T" wait "$rounds"
	local target=$GATED_PID
	start_bpfscope "$name" trace -p "$target" "$@" || return 1
	release_gated "$name-t" "$target"
	sleep 0.2
	stop_bpfscope
}
field() { grep -o "$2=[^ ]*" "$TMP/$1.out"; }

# 2. arguments and struct fields by name (DWARF), strings, bitfields, ip()
trace_rounds args 4 -o json "u:$T:process_request { print(r->id, r->method, r->the_request, r->hostname, r->connection->client_ip, ip(r->connection->addr.sin_addr), r->flags, r->priority, size) }"
rec=$(jq -c 'select(.fields["r->id"] == 1) | .fields' "$TMP/args.out")
[ "$(jq -r '.["r->the_request"]' <<<"$rec")" = "POST /item/1 HTTP/1.1" ] &&
	[ "$(jq -r '.["r->hostname"]' <<<"$rec")" = "host1.example" ] &&
	[ "$(jq -r '.["r->connection->client_ip"]' <<<"$rec")" = "192.0.2.7" ] &&
	[ "$(jq -r '.["ip(r->connection->addr.sin_addr)"]' <<<"$rec")" = "10.1.2.3" ] &&
	[ "$(jq -r '.["r->flags"]' <<<"$rec")" = 5 ] && [ "$(jq -r '.["r->priority"]' <<<"$rec")" = 17 ] &&
	[ "$(jq -r '.size' <<<"$rec")" = 101 ]
ok $? "fields by name: strings, char array, nested pointers, ip(), bitfields, parameter (got $rec)"
[ "$(jq -s 'length' "$TMP/args.out")" -eq 4 ]
ok $? "one event per call (4 rounds)"

# 1. latency histogram, entry and return paired in the kernel
trace_rounds hist 5 -o json "r:$T:recurse { hist(duration) }"
# recurse(3) makes 4 calls per round, the worker thread recurse(2) 3 per round
[ "$(jq -r '.count' "$TMP/hist.out")" -eq 35 ]
ok $? "hist(duration) of a recursive function counts every paired return (35)"
jq -e '.hist.buckets | length > 0' "$TMP/hist.out" >/dev/null
ok $? "histogram buckets present"
grep -q 'recurse: 35 hits.* 35 emitted.* 0 stale, 0 unpaired' "$TMP/hist.err"
ok $? "accounting: 35 hits, 35 emitted, nothing stale or unpaired"

# 3. predicate on the return value, entry arguments at return, flexible array
trace_rounds pred 6 "r:$T:cache_fetch if retval == 0 { print(str(key->val, key->len), key->len, ttl) }"
[ "$(grep -c 'str(key->val, key->len)="session:10" key->len=10 ttl=30' "$TMP/pred.out")" -eq 3 ] &&
	! grep -q 'user:42' "$TMP/pred.out"
ok $? "retval == 0 keeps the 3 misses with their entry arguments"
grep -q '6 hits.* 3 filtered, 3 emitted' "$TMP/pred.err"
ok $? "accounting: 3 filtered by the predicate"

# 4. C++: this->conn->addr.sin_addr as an IP address
start_gated cxx "$TARGETS/typedxx"
cxx=$GATED_PID
start_bpfscope cxx trace -p "$cxx" "u:$TARGETS/typedxx:srv::Handler::handle { print(ip(this->conn->addr.sin_addr), this->conn->fd, this->base_id, code, msg) }" || exit 1
release_gated cxx "$cxx"
sleep 0.2
stop_bpfscope
grep -q 'ip(this->conn->addr.sin_addr)=10.9.8.7 this->conn->fd=4 this->base_id=7 code=1 msg="go' "$TMP/cxx.out"
ok $? "C++ method: this->member through a pointer, base class member, parameters"

# 5. raw address in a stripped binary, explicit pointer + length read
cp "$T.stripped" "$TMP/stripped_target" # no debug file beside it
addr=$(nm "$T" | awk '$3 == "send_bytes" {print "0x" $1}')
start_gated raw "$TMP/stripped_target" wait 3
raw=$GATED_PID
start_bpfscope raw trace -p "$raw" "u:$TMP/stripped_target:$addr { print(str(arg1, arg2), arg2) }" || exit 1
release_gated raw "$raw"
sleep 0.2
stop_bpfscope
[ "$(grep -c 'str(arg1, arg2)="payload" arg2=7' "$TMP/raw.out")" -eq 3 ]
ok $? "stripped binary at $addr: str(arg1, arg2) reads exactly 7 bytes"
bad_input "stripped binary without types: says how to get them" "has no debug info.*--types" \
	trace "u:$TMP/stripped_target:$addr { print(arg0->x) }"

# 6. count grouped by a string computed in the kernel, printed per interval
trace_rounds count 8 -o json "u:$T:process_request { count() by (str(r->method)) }"
get=$(jq -s '[.[] | select(.keys["str(r->method)"] == "GET") | .count] | add' "$TMP/count.out")
post=$(jq -s '[.[] | select(.keys["str(r->method)"] == "POST") | .count] | add' "$TMP/count.out")
[ "$get" = 4 ] && [ "$post" = 2 ]
ok $? "count() by (str(r->method)): GET=$get POST=$post"

# 7. USDT with a semaphore, all processes of the binary (no -p)
U="$TARGETS/usdt_target"
start_gated usdt "$U" 4
usdt_pid=$GATED_PID
start_bpfscope usdt trace -o json "usdt:$U:bpfscope_test:guarded { print(arg0, str(arg1)) }" "usdt:$U:plain { print(arg0, arg1, str(arg2)) }" || exit 1
release_gated usdt "$usdt_pid"
sleep 0.2
stop_bpfscope
[ "$(jq -s '[.[] | select(.fields.arg0 == 3 and .fields["str(arg1)"] == "guarded-word")] | length' "$TMP/usdt.out")" -eq 1 ]
ok $? "USDT behind a semaphore fires once attached (arg0=3, guarded-word)"
[ "$(jq -s '[.[] | select(.probe | test("plain")) | select(.fields.arg0 == -2 and .fields.arg1 == 2000)] | length' "$TMP/usdt.out")" -eq 1 ]
ok $? "USDT arguments keep their sign and size (-2, 2000)"

# 8. kernel tracepoints: fields, predicate, aggregation
missing="/tmp/bpfscope-trace-missing-$$"
start_bpfscope tp trace -o json "t:syscalls:sys_enter_openat if pid == $$ { print(str(filename), flags) }" "t:syscalls:sys_enter_openat { count() by (comm) }" || exit 1
cat "$missing" 2>/dev/null
: 2>/dev/null <"$missing"
sleep 0.3
stop_bpfscope
jq -s -e --arg m "$missing" 'map(select(.fields["str(filename)"] == $m)) | length == 1' "$TMP/tp.out" >/dev/null
ok $? "tracepoint field read as a user string, predicate on pid" || { show "$TMP/tp.out" 5; show "$TMP/tp.err"; }
jq -s -e 'map(select(.keys.comm == "cat") | .count) | add >= 1' "$TMP/tp.out" >/dev/null
ok $? "tracepoint count() by (comm)"

# pairing under longjmp: entries skipped by a longjmp are counted as stale
trace_rounds jump 6 "r:$T:jumpy"
[ "$(grep -c 'retval=1' "$TMP/jump.out")" -eq 3 ] && grep -q '6 hits.* 3 emitted.* 3 stale' "$TMP/jump.err"
ok $? "longjmp: 3 normal returns paired, 3 skipped entries counted stale"

# C++ exceptions cannot unwind through the kernel's uretprobe trampoline
# (the traced program would terminate): return probes on C++ functions warn
"$BPFSCOPE" trace -d 0.2 "r:$TARGETS/typedxx:srv::Handler::risky" >/dev/null 2>"$TMP/exc.err"
grep -q "warning: .*risky: a C++ exception thrown through a function with a return probe terminates" "$TMP/exc.err"
ok $? "return probe on a C++ function warns about exceptions"

# seventh argument from the stack
trace_rounds seven 3 "u:$T:seven_args { print(g, a) }"
[ "$(grep -c 'g=7[012] a=1' "$TMP/seven.out")" -eq 3 ]
ok $? "arguments beyond the six registers come from the stack"

# sampling in the kernel: 1 of 3 hits on one CPU
trace_rounds sample 30 --sample 3 "u:$T:process_request { count() }"
grep -q '30 hits, 20 sampled out, 0 filtered, 10 emitted' "$TMP/sample.err"
ok $? "--sample 3: 10 of 30 calls kept, 20 counted as sampled out" || show "$TMP/sample.err"
trace_rounds rsample 30 --sample 3 "r:$T:process_request { count() }"
grep -q '30 hits, 20 sampled out, 0 filtered, 10 emitted, 0 dropped, 0 stale, 0 unpaired, 0 read errors, 20 sampled-out returns' "$TMP/rsample.err"
ok $? "--sample 3 on r: the 20 returns of skipped entries are sampled-out returns, not unpaired" || show "$TMP/rsample.err"

# duty cycle: attached part of the time only (0.05 s of every 0.2 s)
start_gated duty "$T" wait 1
duty=$GATED_PID
start_bpfscope duty trace --duty 0.05/0.2 "u:$T:cache_fetch { count() }" || exit 1
"$T" loop 2 >"$TMP/duty.calls"
stop_bpfscope
release_gated duty "$duty"
calls=$(awk '{print $2}' "$TMP/duty.calls")
hits=$(grep -o 'cache_fetch: [0-9]* hits' "$TMP/duty.err" | grep -o '[0-9]*' | head -1)
[ -n "$hits" ] && [ "$hits" -gt 0 ] && [ "$hits" -lt "$calls" ] &&
	grep -q 'duty cycle 0.05/0.2 s: attached' "$TMP/duty.err"
ok $? "--duty 0.05/0.2: $hits of $calls calls in 2 s hit the probe, duty reported"

# duty cycle on a return probe: entries are paused while links come and go,
# so only calls in flight at a window's edge can be stale or unpaired
start_bpfscope dutyr trace --duty 0.05/0.2 "r:$T:cache_fetch { count() }" || exit 1
"$T" loop 2 >/dev/null
stop_bpfscope
line=$(grep -o 'cache_fetch: .*' "$TMP/dutyr.err")
stale=$(grep -o '[0-9]* stale' <<<"$line" | grep -o '[0-9]*')
unpaired=$(grep -o '[0-9]* unpaired' <<<"$line" | grep -o '[0-9]*')
[ -n "$stale" ] && [ "$stale" -le 30 ] && [ "$unpaired" -le 30 ]
ok $? "--duty on r: only edge calls lost ($line)"

# bad input: one line, non-zero exit
bad_input "unknown function suggests close names" "no function 'proces_request'.*did you mean process_request" \
	trace "u:$T:proces_request"
bad_input "unknown field lists the struct's fields" "has no field 'nosuch'; fields are: id, method" \
	trace "u:$T:process_request { print(r->nosuch) }"
bad_syntax="u:$T:process_request { print(r->id }"
col=$(($(expr index "$bad_syntax" '}')))
bad_input "syntax error points at the column ($col)" "column $col: expected ')'" trace "$bad_syntax"
bad_input "unknown USDT probe lists the available ones" "no USDT probe 'nope'.*bpfscope_test:guarded" \
	trace "usdt:$U:nope"
bad_input "nonexistent pid" "no process with pid" trace -p 4000000 "u:$T:process_request"
done_testing
