#!/usr/bin/env bash
# Without privileges every command that loads BPF says so in one line and
# exits non-zero, before touching anything; the offline commands still work.
source "$(dirname "$0")/lib.bash"
command -v setpriv >/dev/null || { echo "1..0 # SKIP setpriv not installed"; exit 0; }
plan 3

# a copy that the unprivileged user can execute wherever the build lives
cp "$BPFSCOPE" "$TMP/bpfscope" && chmod 755 "$TMP" "$TMP/bpfscope"
asuser() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$TMP/bpfscope" "$@"; }
offline="list types flamegraph collect report predict serve"

mapfile -t cmds < <("$BPFSCOPE" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
bad=()
n=0
for c in "${cmds[@]}"; do
	case " $offline " in *" $c "*) continue ;; esac
	n=$((n + 1))
	args=(-d 0.5)
	[ "$c" = trace ] && args+=('t:sched:sched_switch { count() }')
	[ "$c" = features ] && args=()
	asuser "$c" "${args[@]}" >"$TMP/$c.out" 2>"$TMP/$c.err" </dev/null
	st=$?
	if [ "$st" -eq 0 ] || [ "$(wc -l <"$TMP/$c.err")" -ne 1 ] || ! grep -q 'needs root' "$TMP/$c.err"; then
		bad+=("$c(exit $st: $(head -c 80 "$TMP/$c.err"))")
	fi
done
[ "$n" -ge 30 ] && [ ${#bad[@]} -eq 0 ]
ok $? "$n privileged commands refuse with one 'needs root' line and a non-zero exit (bad: ${bad[*]:-none})"

asuser list "$TARGETS/trace_target" 'cache*' >"$TMP/list.out" 2>&1
ok $? "list works without privileges"
grep -q cache_fetch "$TMP/list.out"
ok $? "and finds the function"
done_testing
