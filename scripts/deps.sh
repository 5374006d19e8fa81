#!/usr/bin/env bash
# Installs every build and test dependency of bpfscope from Debian.
# Idempotent: installs only what is missing, runs `apt-get update` only when
# something must be installed. Safe to call from every make target.
set -euo pipefail

PKGS=(
	# build
	make gcc clang llvm bpftool pkg-config
	libbpf-dev libelf-dev libdw-dev zlib1g-dev libzstd-dev liblzma-dev libbz2-dev
	libjson-c-dev libiberty-dev libsqlite3-dev
	# tests
	memcached libmemcached-dev # a real library and server for trace tests
	libcmocka-dev perl jq iproute2 procps util-linux coreutils python3
	libxml2-utils nodejs # xmllint and node check the flame graph SVG and its script
	systemtap-sdt-dev # <sys/sdt.h> for tests/targets/usdt_target.c
	# tests: C++ targets, type packs from Apache's headers, libc's debug file
	g++ binutils apache2-dev libapr1-dev libaprutil1-dev libc6-dbg
	iptables libnetfilter-queue-dev sqlite3
	# request spans, wire protocols, PHP: a real database, PHP and its extensions
	mariadb-server mariadb-client libmariadb-dev
	php8.2-cli php8.2-dev php8.2-mysql php8.2-memcached php8.2-fpm
	libapache2-mod-php8.2 # tests/integ/php.sh: mod_php in a private apache2 -X
	# metrics and web UI: HTTP server library, a real Prometheus, a headless browser
	libmicrohttpd-dev prometheus chromium
	python3-yaml # tests/integ/kubernetes.sh parses the manifests
	# robustness: memcheck
	valgrind
	# kernel matrix (make kernel-test): qemu boots Debian kernels with a busybox initramfs
	qemu-system-x86 busybox-static cpio xz-utils zstd gzip
	# lint
	clang-format cppcheck
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages (${missing[*]}); run as root or install them" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if [ ! -d /var/lib/apt/lists ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ] ||
   ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
