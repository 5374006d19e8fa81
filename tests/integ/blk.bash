# Shared by the block tool tests: a file on a real disk for O_DIRECT writes
# and the name of the whole disk under it. Sourced after lib.bash.
BLKDIR=/var/tmp
BLKFILE="$BLKDIR/bpfscope-direct-$$"
blk_src=$(findmnt -n -o SOURCE -T "$BLKDIR" | head -1)
BLKDISK=$(lsblk -no PKNAME "$blk_src" 2>/dev/null | head -1)
[ -n "$BLKDISK" ] || BLKDISK=$(basename "$blk_src")
blk_cleanup() { rm -f "$BLKFILE"; cleanup; }
trap blk_cleanup EXIT

# blk_skip_unless_disk N: skips all N tests when $BLKDIR is not on a block device.
blk_skip_unless_disk() {
	if [ ! -b "$blk_src" ]; then
		echo "1..0 # SKIP $BLKDIR is not on a block device ($blk_src)"
		exit 0
	fi
}

# blk_run NAME TOOL ARGS...: iodo makes 20 O_DIRECT 4 KiB writes to
# $BLKFILE and an fsync on cue, traced by `bpfscope TOOL -p iodo ARGS`.
blk_run() {
	local name=$1
	shift
	rm -f "$TMP/go"
	mkfifo "$TMP/go"
	"$TARGETS/iodo" direct "$BLKFILE" 20 <"$TMP/go" &
	target=$!
	_pids+=("$target")
	exec 7>"$TMP/go"
	start_bpfscope "$name" "$@" -p "$target" || exit 1
	echo go >&7
	exec 7>&-
	wait "$target"
	sleep 0.2 # completions of the last writes
	stop_bpfscope
}
