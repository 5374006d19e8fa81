#!/usr/bin/env bash
# Style and static analysis: clang-format (report only) and cppcheck.
# Exits non-zero when cppcheck finds an error-class problem.
set -u
cd "$(dirname "$0")/.."
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' | grep -v '\.bpf\.')
unformatted=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		unformatted=$((unformatted + 1))
		echo "format: $f differs from .clang-format (make format)"
	fi
done
echo "clang-format: $unformatted of $(echo "$files" | wc -w) files differ"
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
	--suppress=missingIncludeSystem --suppress=unknownMacro --inline-suppr -j2 \
	-Isrc -Ibuild -Ibuild/skel \
	-D_GNU_SOURCE src/core src/probe src/crash src/tools src/main.c
