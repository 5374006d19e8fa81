#!/usr/bin/env bash
# Runs every test through prove (TAP): unit tests (cmocka with TAP output, no
# privileges needed) and, as root, integration tests that load real BPF
# programs against real processes. prove's closing "Result: PASS/FAIL" line
# and exit code are the verdict.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BPFSCOPE="$PWD/$BUILD/bpfscope" TARGETS="$PWD/$BUILD/targets" BUILD
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}

mapfile -t tests < <(find "$BUILD/tests/unit" -maxdepth 1 -type f -name 'test_*' ! -name '*.d' | sort)
if [ "$(id -u)" -eq 0 ]; then
	tests+=(tests/integ/*.sh)
else
	echo "# not root: integration tests skipped" >&2
fi
# --timer shows how long each test took; the tests bound their own waits.
[ $# -gt 0 ] && tests=("$@")
exec prove --timer --exec tests/tap-exec "${tests[@]}"
