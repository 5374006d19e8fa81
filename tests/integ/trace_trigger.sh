#!/usr/bin/env bash
# Triggers (docs/probe-language.md): tests/targets/burst runs six 500 ms
# phases with tick() at 20000, 5500, 20000, 1000, 20000, 1000 calls/s and
# work(phase, seq) once a millisecond throughout. The clause fires above
# 8000/s and re-arms below 3000/s, so it must fire in phase 0, stay fired
# through phase 1 (5500/s is between the thresholds: hysteresis) and phase
# 2, re-arm in phase 3, fire again in phase 4 and re-arm in phase 5:
# exactly 10 captured work() events in phase 0 and in phase 4, none else.
source "$(dirname "$0")/lib.bash"
plan 9

T="$TARGETS/burst"
start_gated burst-t "$T" wait 500 20000 5500 20000 1000 20000 1000
target=$GATED_PID
start_bpfscope trig trace -o json -p "$target" \
	--trigger 'rate(p0) > 8000 -> capture(p1, 10) rearm < 3000' \
	--trigger 'rate(p0, 100ms) > 8000 -> capture(p2, 5) rearm < 3000 limit 1' \
	"u:$T:tick { count() }" "u:$T:work { print(arg0, arg1) }" "u:$T:work { print(arg0) }"
release_gated burst-t "$target"
sleep 0.3
stop_bpfscope
diag "$(paste -sd' ' "$TMP/burst-t.stdout")"

# captured events of p1 per phase, "phase:count ..."
phases() {
	jq -r --arg n "$1" 'select(.probe != null and (.fields | length) == ($n | tonumber)) | .fields.arg0' \
		"$TMP/trig.out" | sort -n | uniq -c | awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1 }'
}
p1=$(phases 2)
[ "$p1" = "0:10 4:10" ]
ok $? "10 events captured in each burst that fired (phases 0 and 4), none elsewhere (got '$p1')"
[ "$(jq -r 'select(.trigger == 0) | .event' "$TMP/trig.out" | paste -sd' ')" = "fired re-armed fired re-armed" ]
ok $? "trigger 0 notices: fired, re-armed, fired, re-armed"
rates=$(jq -r 'select(.trigger == 0) | "\(.event):\(.rate)"' "$TMP/trig.out" | paste -sd' ')
jq -se '[.[] | select(.trigger == 0)] | length == 4 and
	all(if .event == "fired" then .rate > 8000 else .rate < 3000 end)' "$TMP/trig.out" >/dev/null
ok $? "fired above 8000/s, re-armed below 3000/s ($rates)"
grep -q "trigger 0 'rate(p0) > 8000 -> capture(p1, 10) rearm < 3000': fired 2, re-armed 2, 20 events captured, 2980 hits of p1 outside captures" "$TMP/trig.err"
ok $? "exit accounting: fired 2, re-armed 2, 20 captured, 2980 of 3000 hits gated"
grep -q 'burst:work: 3000 hits, 0 sampled out, 0 filtered, 20 emitted' "$TMP/trig.err"
ok $? "the captured probe ran only for the captures"
p2=$(phases 1)
[ "$p2" = "0:5" ] && grep -q "limit 1': fired 1, re-armed 1, 5 events captured" "$TMP/trig.err"
ok $? "limit 1: one firing of 5 captures (got '$p2')"

bad_input "a trigger naming a missing probe" "column 6: expected a probe p0..p0" \
	trace --trigger 'rate(p3) > 10 -> capture(p0, 1)' "u:$T:tick"
bad_input "a re-arm rate above the firing rate" "re-arm rate at most the firing rate" \
	trace --trigger 'rate(p0) > 10 -> capture(p0, 1) rearm < 20' "u:$T:tick"

# the same clause as a line of a probe file
cat >"$TMP/probes" <<EOF
u:$T:tick { count() }
# captured only in bursts
u:$T:work { print(arg0, arg1) }
trigger rate(p0) > 8000 -> capture(p1, 3) rearm < 3000
EOF
start_gated file-t "$T" wait 400 20000 1000
start_bpfscope file trace -o json -p "$GATED_PID" -f "$TMP/probes"
release_gated file-t "$GATED_PID"
sleep 0.3
stop_bpfscope
[ "$(jq -r 'select(.fields.arg0 != null) | .fields.arg0' "$TMP/file.out" | paste -sd' ')" = "0 0 0" ]
ok $? "a 'trigger' line in a probe file works the same"
done_testing
