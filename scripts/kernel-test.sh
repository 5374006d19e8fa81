#!/usr/bin/env bash
# The kernel matrix: boots Debian's own kernels under qemu (pure emulation,
# no KVM needed) and runs tests/kernel/guest.sh in each, as /init of an
# initramfs that holds busybox and build/bpfscope. The guest's TAP lines come
# back over the serial console; this script renumbers them into one TAP
# stream, ends with "N passed, N failed", and writes docs/kernels.md from the
# guests' feature tables and the mechanism each tool chose.
#
#   scripts/kernel-test.sh [SERIES...]     default: 5.10 6.1 6.12
#
# docs/kernels.md is rewritten only by a run of the whole default matrix.
#
# Kernels are fetched once with apt-get download through a private apt state
# (its own sources.list, lists and cache: the host's apt setup is untouched)
# and kept in $KERNEL_CACHE; later runs use the cache without the network.
# KERNEL_REFRESH=1 fetches the newest images again.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CACHE=${KERNEL_CACHE:-/var/cache/bpfscope-kernels}
mkdir -p "$CACHE" 2>/dev/null && [ -w "$CACHE" ] || CACHE="$BUILD/kernels" # not root
GUEST_TIMEOUT=${GUEST_TIMEOUT:-240}
WORK="$BUILD/kernel-test"
SERIES=("$@")
[ ${#SERIES[@]} -gt 0 ] || SERIES=(5.10 6.1 6.12)

# series -> package name pattern; the newest match is used. 5.10 comes from
# bullseye-security, 6.1 and 6.12 from bookworm-security (apt_setup).
declare -A SOURCE=(
	[5.10]='^linux-image-5\.10\.0-[0-9]+-amd64$'
	[6.1]='^linux-image-6\.1\.0-[0-9]+-amd64$'
	[6.12]='^linux-image-6\.12\.[0-9]+\+deb12-amd64$'
)

apt_private() {
	local d="$CACHE/apt"
	local -a o=(-o "Dir::Etc::sourcelist=$d/sources.list" -o Dir::Etc::sourceparts=-
		-o "Dir::State=$d/state" -o "Dir::Cache=$d/cache" -o APT::Architectures=amd64 -q)
	# root downloads into directories the _apt user cannot write
	[ "$(id -u)" -ne 0 ] || o+=(-o APT::Sandbox::User=root)
	"$@" "${o[@]}"
}

apt_setup() {
	local d="$CACHE/apt" suite
	[ -f "$d/updated" ] && [ -z "${KERNEL_REFRESH:-}" ] && return 0
	mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial"
	: >"$d/sources.list"
	for suite in bullseye-security bookworm-security; do
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-$suite-automatic.gpg]" \
			"http://deb.debian.org/debian-security $suite main" >>"$d/sources.list"
	done
	apt_private apt-get update >/dev/null || return 1
	touch "$d/updated"
}

# The uncompressed ELF vmlinux: qemu boots it through its PVH note, which
# skips the bzImage decompressor (a few seconds under emulation).
extract_vmlinux() {
	local bz=$1 out=$2 magic tool off
	for magic in $'\xfd7zXZ\x00':xz $'\x28\xb5\x2f\xfd':zstd $'\x1f\x8b\x08':gzip; do
		tool=${magic##*:}
		for off in $(LC_ALL=C grep -abo "${magic%:*}" "$bz" | head -3 | cut -d: -f1); do
			# trailing data after the stream makes the tools complain: the
			# ELF check below is the verdict
			tail -c +$((off + 1)) "$bz" | "$tool" -dc 2>/dev/null >"$out.tmp" || true
			if readelf -n "$out.tmp" 2>/dev/null | grep -q 'Xen.*(0x00000012)'; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

# fetch SERIES: leaves $CACHE/SERIES/{kernel,release}; "kernel" appears
# last, by rename, so its presence means the entry is complete. Runs as an if
# condition (set -e is off there), so every step checks its own result.
# Concurrent runs (several worktrees share the cache) take turns.
fetch() {
	(
		flock -w 900 9 || exit 1
		fetch_locked "$1"
	) 9>"$CACHE/.lock"
}

fetch_locked() {
	local s=$1 dir="$CACHE/$1" pkg deb tmp regex
	[ -s "$dir/kernel" ] && [ -z "${KERNEL_REFRESH:-}" ] && return 0
	regex=${SOURCE[$s]}
	apt_setup || return 1
	pkg=$(apt_private apt-cache search --names-only "$regex" | cut -d' ' -f1 | sort -V | tail -1)
	[ -n "$pkg" ] || { echo "# $s: no package matches $regex"; return 1; }
	tmp=$(mktemp -d "$CACHE/fetch.XXXXXX") || return 1
	if ! (cd "$tmp" && apt_private apt-get download "$pkg" >/dev/null) ||
		! deb=$(ls "$tmp"/*.deb) ||
		! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'; then
		echo "# $s: could not download or unpack $pkg"
		rm -rf "$tmp"
		return 1
	fi
	if ! extract_vmlinux "$tmp"/boot/vmlinuz-* "$tmp/kernel"; then
		cp "$tmp"/boot/vmlinuz-* "$tmp/kernel" # bzImage boots too, only slower
	fi
	extract_modules "$deb" "$tmp" || true # net checks say so in the guest
	mkdir -p "$dir" && basename "$deb" .deb >"$dir/release" && rm -rf "$dir/modules" &&
		{ [ ! -d "$tmp/modules" ] || mv "$tmp/modules" "$dir/modules"; } &&
		mv "$tmp/kernel" "$dir/kernel"
	rm -rf "$tmp"
}

# The modules the net check needs (Debian builds them as modules): veth,
# and for classic tc filters sch_ingress (clsact) and cls_bpf. Loaded in
# the guest with insmod, so stored uncompressed, in $CACHE/SERIES/modules.
NET_MODULES="drivers/net/veth net/sched/sch_ingress net/sched/cls_bpf"
extract_modules() {
	local deb=$1 tmp=$2 m f
	mkdir -p "$tmp/modules" "$tmp/mods"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/mods" --wildcards \
		$(for m in $NET_MODULES; do echo "./lib/modules/*/kernel/$m.ko*"; done) || return 1
	for f in $(find "$tmp/mods" -name '*.ko*'); do
		case "$f" in
		*.xz) xz -dc "$f" >"$tmp/modules/$(basename "$f" .xz)" ;;
		*.zst) zstd -qdc "$f" >"$tmp/modules/$(basename "$f" .zst)" ;;
		*) cp "$f" "$tmp/modules/" ;;
		esac
	done
	rm -rf "$tmp/mods"
}

# Cache entries from before the modules were kept get them once.
fetch_modules() {
	local dir="$CACHE/$1"
	[ -d "$dir/modules" ] && return 0
	(
		flock -w 900 9 || exit 1
		[ -d "$dir/modules" ] && exit 0
		KERNEL_REFRESH=1 fetch_locked "$1"
	) 9>"$CACHE/.lock"
}

# initramfs: busybox, bpfscope with the shared libraries it needs, /init
build_initramfs() {
	local root="$WORK/root" lib
	rm -rf "$root"
	mkdir -p "$root"/{bin,proc,sys,dev,tmp}
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$BUILD/bpfscope" "$root/bin/bpfscope"
	# a user-space target with DWARF for the probe engine (trace)
	cp "$BUILD/targets/trace_target" "$root/bin/trace_target"
	# an -O2 -fomit-frame-pointer target that crashes, for the flight recorder
	cp "$BUILD/targets/crashy" "$root/bin/crashy"
	# a TCP client and server with byte counts the test chooses (tcptop)
	cp "$BUILD/targets/tcppeer" "$root/bin/tcppeer"
	# USDT probes, request spans, and the probe engine's checks sourced by /init
	cp "$BUILD/targets/usdt_target" "$root/bin/usdt_target"
	cp "$BUILD/targets/spans_target" "$root/bin/spans_target"
	cp tests/kernel/trace.sh "$root/bin/guest-trace.sh"
	# net: iproute2 (netns, veth, tc) and the lab's UDP client/echo
	# (in /usr/sbin: busybox --install replaces /bin/ip with its own)
	mkdir -p "$root/usr/sbin"
	cp "$(command -v ip)" "$(command -v tc)" "$root/usr/sbin/"
	cp "$BUILD/targets/netlab" "$root/bin/netlab"
	for lib in $(for f in "$BUILD/bpfscope" \
		"$BUILD/targets/"{trace_target,crashy,tcppeer,usdt_target,spans_target,netlab} \
		"$root/usr/sbin/ip" "$root/usr/sbin/tc"; do
		ldd "$f"; done |
		grep -o '/[^ ]*' | sort -u); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
	cp tests/kernel/guest.sh "$root/init"
	chmod 755 "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$WORK/initramfs.gz"
}

# initramfs of one series: the common one plus that kernel's net modules
# (a second gzip'ed cpio member, concatenated: the kernel unpacks both)
series_initramfs() {
	local mods="$WORK/mods-$1"
	rm -rf "$mods"
	mkdir -p "$mods/lib/modules/net"
	cp "$CACHE/$1"/modules/*.ko "$mods/lib/modules/net/" 2>/dev/null || true
	{
		cat "$WORK/initramfs.gz"
		(cd "$mods" && find . | cpio -o -H newc --quiet) | gzip -1
	} >"$WORK/initramfs-$1.gz"
}

# no_timer_check: under emulation on a busy host the kernel's IO-APIC timer
# check can fail and panic ("IO-APIC + timer doesn't work").
qemu_run() {
	timeout "$GUEST_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -m 512M -smp 1 \
		-kernel "$CACHE/$1/kernel" -initrd "$WORK/initramfs-$1.gz" \
		-append "console=ttyS0 quiet panic=-1 no_timer_check" \
		-display none -serial stdio -monitor none -no-reboot </dev/null >"$WORK/$1.log" 2>&1 || true
	tr -d '\r' <"$WORK/$1.log" >"$WORK/$1.console"
}

# A guest that never reached /init (a boot hiccup of the emulation, not a
# test result) gets one more try; what it printed is kept as SERIES.1.console.
boot() {
	series_initramfs "$1"
	qemu_run "$1"
	if ! grep -q '^KT: ' "$WORK/$1.console"; then
		mv "$WORK/$1.console" "$WORK/$1.1.console"
		echo "# $1: guest did not reach /init (see $WORK/$1.1.console), booting again"
		qemu_run "$1"
	fi
}

passed=0
failed=0
tap() {
	local status=$1 desc=$2
	if [ "$status" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
	echo "$status $((passed + failed)) - $desc"
}

# report SERIES: the guest's TAP lines as part of ours
report() {
	local s=$1 release line
	release=$(sed -n 's/^KT: # kernel //p' "$WORK/$s.console" | head -1)
	echo "# $s: ${release:-no kernel release reported} ($(cat "$CACHE/$s/release"))"
	while IFS= read -r line; do
		case "$line" in
		"KT: ok "*) tap ok "[$s] ${line#KT: ok * - }" ;;
		"KT: not ok "*) tap "not ok" "[$s] ${line#KT: not ok * - }" ;;
		"KT: #"*) echo "${line#KT: }" ;;
		esac
	done < <(grep '^KT: ' "$WORK/$s.console")
	if grep -q '^KT: done' "$WORK/$s.console"; then
		tap ok "[$s] guest ran to the end"
	else
		tap "not ok" "[$s] guest ran to the end (console tail follows)"
		tail -15 "$WORK/$s.console" | sed 's/^/#   /'
	fi
}

main() {
	local s
	mkdir -p "$CACHE" "$WORK"
	for s in "${SERIES[@]}"; do
		[ -n "${SOURCE[$s]:-}" ] || { echo "kernel-test: unknown series $s" >&2; exit 2; }
	done
	build_initramfs
	for s in "${SERIES[@]}"; do
		rm -f "$WORK/$s.console"
		if ! fetch "$s" || ! fetch_modules "$s"; then
			tap "not ok" "[$s] kernel image fetched from Debian's archive"
			continue
		fi
		boot "$s"
		report "$s"
	done
	echo "1..$((passed + failed))"
	# docs/kernels.md shows the whole matrix: a run of a few series leaves it
	if [ "$#" -eq 0 ] && scripts/kernels-doc.sh "$WORK" "$CACHE" "${SERIES[@]}" >"$WORK/kernels.md"; then
		cp "$WORK/kernels.md" docs/kernels.md
	fi
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

main "$@"
