#!/usr/bin/env bash
# php, the fallbacks of the VM handler mechanism: probing only the handler
# labels (what another build of PHP 8.2 gets) through single uprobes (a
# kernel without uprobe_multi) reports the same calls as the default path
# (emulated branch sites, uprobe_multi links).
source "$(dirname "$0")/lib.bash"
plan 3

source "$(dirname "$0")/php.bash"
if [ ! -x "$PHP" ]; then
	for i in 1 2 3; do echo "ok $i # skip php8.2-cli not installed"; done
	exit 0
fi

run_traced fast -v
BPFSCOPE_DISABLE_FEATURES=uprobe_multi BPFSCOPE_PHP_LABELS=1 run_traced labels -v
grep -q "10 of them at branches the kernel emulates, as uprobe_multi links" "$TMP/fast.err" &&
	grep -q "0 of them at branches the kernel emulates, as single uprobes" "$TMP/labels.err"
ok $? "default: 10 emulated branch sites in uprobe_multi links; fallback: labels, single uprobes"
[ "$(jq -r 'select(.call | startswith("fib(")) | .via' "$TMP/labels.out" | grep -c '^uprobe$')" -eq 177 ]
ok $? "fallback: fib(10) made exactly 177 fib calls"
diff <(calls fast '"\(.depth) \(.call) \(.location)"') <(calls labels '"\(.depth) \(.call) \(.location)"') >"$TMP/diff"
ok $? "fallback: the same calls, depths, arguments and locations as the default path"
show "$TMP/diff" 10
show "$TMP/labels.err" 6
done_testing
