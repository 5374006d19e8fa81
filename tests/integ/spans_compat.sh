#!/usr/bin/env bash
# bpfscope spans on the fallbacks of kernels without bpf_loop, BPF cookies
# or task-local storage (Debian 11's 5.10), forced with
# BPFSCOPE_DISABLE_FEATURES: span stacks in a per-thread hash, ids and the
# root sampler from per-CPU counters, the probes' programs per probe id.
# The same requests must give the same spans, attributes, children, peers
# and connections as on the preferred path.
source "$(dirname "$0")/lib.bash"
plan 4

T=$TARGETS/spans_target
PROBES=("root u:$T:handle_request { attr(path, str(arg0->path)); attr(id, arg0->id) }"
	"r:$T:cache_get { attr(ok, retval); attr(key, str(arg0)) }" "u:$T:cache_mget" "u:$T:db_query" "span u:$T:db_exec" "u:$T:serve_one")

# spans_once NAME DISABLED: 3 rounds of each request kind; the output
# without times, ids, ports and read counts (which differ from run to run)
spans_once() {
	start_gated "$1-t" "$T" 3
	local pid=$GATED_PID
	wait_for "$TMP/$1-t.stdout" '^port ' || diag "target did not start"
	BPFSCOPE_DISABLE_FEATURES=$2 start_bpfscope "$1" spans -v -p "$pid" -o json "${PROBES[@]}" || return 1
	release_gated "$1-t" "$pid"
	wait_for "$TMP/$1.out" '"/serve","id":"11"' 100
	stop_bpfscope
	jq -c 'def peers: map(del(.io_ns, .peer, .calls)); # calls: reads per echo vary
		[.probe, .attrs, .children, (.peers | peers), (.connections | map(del(.peer, .local)) | length),
		 [.spans[] | [.probe, .depth, .attrs, (.peers | peers)]]]' "$TMP/$1.out" | sort >"$TMP/$1.norm"
	sed -n 's/^bpfscope: \(.*: [0-9]* hits, .*\)/\1/p' "$TMP/$1.err" >>"$TMP/$1.norm"
}

spans_once pref ""
spans_once old bpf_loop,bpf_cookie,task_storage
[ "$(grep -c '"handle_request"' "$TMP/pref.norm")" -eq 12 ] && grep -q '"cache_get":3' "$TMP/pref.norm"
ok $? "preferred path: 12 requests, /get with 3 cache_get children" || show "$TMP/pref.norm" 5
grep -q 'probe engine: a program per probe, bounded loop, per-thread hash' "$TMP/old.err" &&
	grep -q 'probe_thread_exit_compat: attached' "$TMP/old.err"
ok $? "fallbacks in use: per-probe programs, bounded loop, per-thread hash emptied at thread exit"
cmp -s "$TMP/pref.norm" "$TMP/old.norm"
r=$?; ok $r "same spans, attributes, children, peers, connections and accounting"; [ $r -eq 0 ] ||
	diff "$TMP/pref.norm" "$TMP/old.norm" | head -10 | sed 's/^/# /'
# ids: unique within the output, as on the preferred path
[ "$(jq -s '[.[] | .spans[] | .id] | (length == (unique | length)) and length == 33' "$TMP/old.out")" = true ]
ok $? "span ids from per-CPU counters are unique ($(jq -s '[.[] | .spans[] | .id] | length' "$TMP/old.out") spans)"
done_testing
