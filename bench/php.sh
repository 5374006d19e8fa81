#!/usr/bin/env bash
# Cost of `bpfscope php` per PHP call: fib(22) (57,313 user-function calls)
# in php8.2-cli, CPU time of the PHP process for the fib call alone
# (getrusage), untraced and traced through each mechanism with -p
# (uprobe-labels: the VM handler uprobes on the labels only, without the
# emulated branch sites). "-" is a run the tracer did not see whole.
# Then the cost of --internal per internal-function call: 20,000
# str_repeat calls in a loop, untraced and traced with -I -p through each
# mechanism.
#   bench/php.sh [REPS]      (root, after make)
set -u
cd "$(dirname "$0")/.."
REPS=${1:-3}
BPFSCOPE=${BPFSCOPE:-build/bpfscope}
TMP=$(mktemp -d /tmp/bpfscope-phpbench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cat >"$TMP/fib.php" <<'PHP'
<?php
function fib($n) { return $n < 2 ? $n : fib($n - 1) + fib($n - 2); }
function cpu_us() { $r = getrusage(); return $r["ru_utime.tv_sec"] * 1e6 + $r["ru_utime.tv_usec"] + $r["ru_stime.tv_sec"] * 1e6 + $r["ru_stime.tv_usec"]; }
for ($i = 0; $i < 3000 && !file_exists($argv[1]); $i++) usleep(10000);
$c = cpu_us(); fib(22); printf("%.1f\n", (cpu_us() - $c) / 1e3);
PHP

cat >"$TMP/istr.php" <<'PHP'
<?php
function cpu_us() { $r = getrusage(); return $r["ru_utime.tv_sec"] * 1e6 + $r["ru_utime.tv_usec"] + $r["ru_stime.tv_sec"] * 1e6 + $r["ru_stime.tv_usec"]; }
function loop($n) { $t = 0; for ($i = 0; $i < $n; $i++) { $t += strlen(str_repeat("a", 2)); } return $t; }
for ($i = 0; $i < 3000 && !file_exists($argv[1]); $i++) usleep(10000);
$c = cpu_us(); loop(20000); printf("%.1f\n", (cpu_us() - $c) / 1e3);
PHP

# SCRIPT MODE ENV: prints the CPU ms of one run of SCRIPT (fib.php, istr.php)
run_script() {
	local script=$1 mode=$2 envv=$3 pid tracer= flags=
	rm -f "$TMP/go" "$TMP/err"
	env $envv php8.2 "$TMP/$script" "$TMP/go" >"$TMP/out" &
	pid=$!
	for _ in $(seq 100); do [ "$(readlink /proc/$pid/exe)" = /usr/bin/php8.2 ] && break; sleep 0.02; done
	[ "$mode" = internal ] && flags=-I
	if [ "$mode" != none ]; then
		"$BPFSCOPE" php $flags -p "$pid" >/dev/null 2>"$TMP/err" &
		tracer=$!
		for _ in $(seq 600); do grep -qs 'Ctrl-C to end' "$TMP/err" && break; sleep 0.05; done
	fi
	touch "$TMP/go"
	wait "$pid"
	[ -n "$tracer" ] && kill -INT "$tracer" && wait "$tracer"
	# 20000 str_repeat, loop, cpu_us and getrusage twice, printf, and the
	# file_exists/usleep polls while the tracer attached
	if [ -n "$tracer" ] && ! awk '/^php: [0-9]+ calls/ { ok = $2 >= 20006 } END { exit !ok }' "$TMP/err"; then
		echo "-"
	else
		cat "$TMP/out"
	fi
}

run() { # MODE ENV: prints the CPU ms of one run
	local mode=$1 envv=$2 pid tracer=
	rm -f "$TMP/go" "$TMP/err" # a stale err would pass the start check below
	env $envv php8.2 "$TMP/fib.php" "$TMP/go" >"$TMP/out" &
	pid=$!
	for _ in $(seq 100); do [ "$(readlink /proc/$pid/exe)" = /usr/bin/php8.2 ] && break; sleep 0.02; done
	if [ "$mode" != none ]; then
		# uprobe-labels: the handler labels only (single-stepped), for comparison
		BPFSCOPE_PHP_LABELS=$([ "$mode" = uprobe-labels ] && echo 1 || echo 0) \
			"$BPFSCOPE" php -p "$pid" >/dev/null 2>"$TMP/err" &
		tracer=$!
		for _ in $(seq 600); do grep -qs 'Ctrl-C to end' "$TMP/err" && break; sleep 0.05; done
	fi
	touch "$TMP/go"
	wait "$pid"
	[ -n "$tracer" ] && kill -INT "$tracer" && wait "$tracer"
	# fib's 57313 calls and cpu_us() twice, or the tracer missed some
	if [ -n "$tracer" ] && ! grep -q '^php: 57315 calls' "$TMP/err"; then echo "-"; else cat "$TMP/out"; fi
}

echo "# fib(22) = 57313 calls; CPU ms of the PHP process; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in "none:" "none:USE_ZEND_DTRACE=1" "uprobe-labels:" "uprobe:" "usdt:USE_ZEND_DTRACE=1"; do
	printf '%-24s' "$mode"
	for _ in $(seq "$REPS"); do printf ' %8s' "$(run "${mode%%:*}" "${mode#*:}")"; done
	echo
done

echo "# 20000 str_repeat calls (internal); CPU ms of the PHP process; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in "none:" "none:USE_ZEND_DTRACE=1" "internal:" "internal:USE_ZEND_DTRACE=1"; do
	printf '%-30s' "$mode"
	for _ in $(seq "$REPS"); do printf ' %8s' "$(run_script istr.php "${mode%%:*}" "${mode#*:}")"; done
	echo
done
