#!/usr/bin/env bash
# --serve on the histogram tools: biolatency -F (20 O_DIRECT writes by
# iodo), cpudist -P (a spinning process) and runqlat publish their
# kernel histograms as Prometheus histograms in seconds, with their keys as
# labels, while they run.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/blk.bash"
plan 4

port_of() { grep -o 'serving http://127.0.0.1:[0-9]*' "$TMP/$1.err" | sed 's/.*://'; }
metric() { grep -F "$2" "$TMP/$1.metrics" | awk '{ print $NF }' | head -1; }
scrape() { # NAME SECONDS BPFSCOPE-ARGS...: run, scrape after SECONDS, stop
	local name=$1 secs=$2
	shift 2
	start_bpfscope "$name" "$@" --serve 127.0.0.1:0 || exit 1
	sleep "$secs"
	curl -s "http://127.0.0.1:$(port_of "$name")/metrics" >"$TMP/$name.metrics"
	stop_bpfscope
}

if [ -b "$blk_src" ]; then
	mkfifo "$TMP/go"
	"$TARGETS/iodo" direct "$BLKFILE" 20 <"$TMP/go" &
	io=$!
	_pids+=("$io")
	exec 7>"$TMP/go"
	# -c, not -p: with -p the tool ends when the process does
	start_bpfscope bio biolatency -F --serve 127.0.0.1:0 -c iodo || exit 1
	echo go >&7
	exec 7>&-
	wait "$io"
	# published once a second; on a loaded machine the first publish after
	# the writes may come late: poll (10 s at most) until all 20 are in
	for _ in $(seq 1 50); do
		sleep 0.2
		curl -s "http://127.0.0.1:$(port_of bio)/metrics" >"$TMP/bio.metrics"
		ws=$(metric bio 'bpfscope_biolatency_seconds_count{flags="Write Sync"}')
		[ -n "$ws" ] && [ "$ws" -ge 20 ] && break
	done
	stop_bpfscope
	ws=$(metric bio 'bpfscope_biolatency_seconds_count{flags="Write Sync"}')
	inf=$(metric bio 'bpfscope_biolatency_seconds_bucket{flags="Write Sync",le="+Inf"}')
	[ -n "$ws" ] && [ "$ws" -ge 20 ] && [ "$inf" = "$ws" ]
	ok $? "biolatency -F: 'Write Sync' histogram in seconds with $ws requests while running" || show "$TMP/bio.metrics"
else
	echo "ok 1 # skip $BLKDIR is not on a block device"
	_n=1
fi

"$TARGETS/spin" 2 20 &
spinner=$!
_pids+=("$spinner")
scrape cpu 1.5 cpudist -P -p "$spinner"
n=$(metric cpu "bpfscope_cpudist_seconds_count{pid=\"$spinner\",comm=\"spin\"}")
[ -n "$n" ] && [ "$n" -gt 0 ]
ok $? "cpudist -P: on-CPU histogram of the spinner labelled pid and comm ($n samples)" || show "$TMP/cpu.metrics"
grep -q "^# TYPE bpfscope_cpudist_seconds histogram" "$TMP/cpu.metrics" &&
	! grep -q 'bpfscope_cpudist_seconds_count{pid="[0-9]*",comm="[^"]*"} ' <(grep -v "pid=\"$spinner\"" "$TMP/cpu.metrics")
ok $? "cpudist -P -p: only the spinner's series"

scrape rq 1.5 runqlat
n=$(metric rq 'bpfscope_runqlat_seconds_count ')
[ -n "$n" ] && [ "$n" -gt 0 ]
ok $? "runqlat: run-queue latency histogram while running ($n wakeups)" || show "$TMP/rq.metrics"
done_testing
