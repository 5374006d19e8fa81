#!/usr/bin/env bash
# php --internal: internal functions (usleep, strtoupper, str_repeat,
# array_map, DateTime methods) with arguments, duration and the caller's
# line, through the VM's internal-call sites (uprobes) and through the
# USDT execute__entry/return probes (USE_ZEND_DTRACE=1): both report the
# same calls; without --internal none is reported; a php-fpm worker's
# request gives the same internal calls.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/services.bash"
plan 11

PHP=/usr/bin/php8.2
SCRIPT="$(cd "$(dirname "$0")/../targets/php" && pwd)/internal.php"
line() { grep -n -- "$1" "$SCRIPT" | head -1 | cut -d: -f1; }

# NAME [bpfscope flags...]: one run of the script, traced from its start
# (a shell that becomes PHP when released), JSON rows in $TMP/NAME.out
traced_run() {
	local name=$1 pid
	shift
	start_gated "$name" sh -c 'read -r go; exec "$0" "$1"' "$PHP" "$SCRIPT"
	pid=$GATED_PID
	start_bpfscope "$name" php "$@" -o json -p "$pid" "$PHP" || return 1
	release_gated "$name" "$pid"
	grep -q 2020ababab4 "$TMP/$name.stdout" || show "$TMP/$name.stdout"
	wait_for "$TMP/$name.out" '"App\\\\work()"'
	stop_bpfscope
}

traced_run up -I
USE_ZEND_DTRACE=1 traced_run dt -I
traced_run plain

row() { jq -c "select(.call == \"$2\")" "$TMP/$1.out"; }
r=$(row up 'usleep(100000)')
jq -e --arg l "$SCRIPT:$(line usleep)" \
	'.kind == "internal" and .via == "uprobe" and .dur_us >= 100000 and .depth == 1 and .location == $l' \
	<<<"$r" >/dev/null
ok $? "usleep(100000): internal, >= 100 ms, depth 1 in nap(), at its caller's line ($(jq -r .dur_us <<<"$r") us)"
jq -e --arg l "$SCRIPT:$(line strtoupper)" '.kind == "internal" and .location == $l' \
	<<<"$(row up 'strtoupper(\"abc\")')" >/dev/null
ok $? "strtoupper(\"abc\") (DO_ICALL, result used)"
jq -e '.kind == "internal" and .depth == 1' <<<"$(row up 'str_repeat(\"ab\", 3)')" >/dev/null
ok $? "str_repeat(\"ab\", 3) (DO_FCALL_BY_NAME, in a namespace)"
jq -e '.kind == "internal"' <<<"$(row up 'DateTime->format(\"Y\")')" >/dev/null &&
	jq -e '.kind == "internal"' <<<"$(row up 'DateTime->__construct(\"2020-01-02\")')" >/dev/null
ok $? "DateTime->__construct and ->format (DO_FCALL)"
am=$(row up 'array_map(\"App\\\\twice\", array(2))')
tw=$(row up 'App\\twice(1)')
jq -e -n --argjson a "$am" --argjson t "$tw" \
	'$t.depth == $a.depth + 1 and $t.kind == "user" and $a.kind == "internal" and $a.dur_us >= $t.dur_us' >/dev/null
ok $? "the callback App\\twice(1) nests under array_map"
[ "$(jq -r 'select(.kind == "internal") | .call' "$TMP/up.out" | wc -l)" -eq 6 ]
ok $? "6 internal calls, nothing else ($(jq -r 'select(.kind == "internal") | .call' "$TMP/up.out" | tr '\n' ' '))"
r=$(row dt 'usleep(100000)')
jq -e '.via == "usdt" and .kind == "internal" and .dur_us >= 100000' <<<"$r" >/dev/null
ok $? "USE_ZEND_DTRACE=1: usleep(100000) through the USDT probes ($(jq -r .dur_us <<<"$r") us)"
shape='[.depth, .kind, .location, .call] | @tsv'
diff <(jq -r "$shape" "$TMP/up.out" | sort) <(jq -r "$shape" "$TMP/dt.out" | sort) >"$TMP/diff"
ok $? "uprobes and USDT report the same calls, depths, kinds and lines"
[ -s "$TMP/diff" ] && show "$TMP/diff"
[ -s "$TMP/plain.out" ] && ! grep -q 'usleep\|"kind"' "$TMP/plain.out" &&
	jq -e -s 'any(.[]; .call == "nap()")' "$TMP/plain.out" >/dev/null
ok $? "without --internal: user functions only"
grep -q 'php: 10 calls (0 left without a return), 0 returns without entry' "$TMP/up.err"
ok $? "summary: 10 calls, none unpaired"
[ $? -eq 0 ] || show "$TMP/up.err"
# php-fpm8.2 (another binary, its own call sites; opcache on): the same
# internal calls in a request
cp "$SCRIPT" "$TMP/app.php"
chmod 644 "$TMP/app.php"
if fpm_start && start_bpfscope fpm php -I -o json -p "$FPM_WORKER"; then
	"$TARGETS/fcgi_get" "$FPM_SOCK" "$TMP/app.php" GET /int.php >"$TMP/r1"
	wait_for "$TMP/fpm.out" '"App\\\\work()"'
	stop_bpfscope
fi
diff <(jq -r 'select(.kind == "internal") | [.depth, .call] | @tsv' "$TMP/up.out") \
	<(jq -r 'select(.kind == "internal") | [.depth, .call] | @tsv' "$TMP/fpm.out") >"$TMP/fdiff"
ok $? "php-fpm worker: the same 6 internal calls"
[ -s "$TMP/fdiff" ] && show "$TMP/fdiff"
done_testing
