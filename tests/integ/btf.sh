#!/usr/bin/env bash
# --btf FILE: CO-RE relocates against the given file instead of the kernel's.
source "$(dirname "$0")/lib.bash"
plan 5

# tiny_btf FILE: raw BTF holding one empty "struct task_struct": passes the
# option's check, but CO-RE cannot find the fields the tools read in it.
tiny_btf() {
	# header: magic 0xeb9f, version 1, flags 0, hdr_len 24, type_off 0,
	# type_len 12, str_off 12, str_len 13; then the struct; then the strings
	printf '\x9f\xeb\x01\x00\x18\x00\x00\x00\x00\x00\x00\x00\x0c\x00\x00\x00' >"$1"
	printf '\x0c\x00\x00\x00\x0d\x00\x00\x00' >>"$1"
	printf '\x01\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00' >>"$1"
	printf '\x00task_struct\x00' >>"$1"
}

cp /sys/kernel/btf/vmlinux "$TMP/vmlinux.btf"
"$BPFSCOPE" runqlat --btf "$TMP/vmlinux.btf" -o json -d 0.5 >"$TMP/ok.json" 2>"$TMP/ok.err"
rc=$?
[ $rc -eq 0 ] && jq -e .hist.count "$TMP/ok.json" >/dev/null
ok $? "runqlat --btf with a copy of the kernel's BTF works (rc=$rc)"
[ $rc -eq 0 ] || show "$TMP/ok.err"

tiny_btf "$TMP/tiny.btf"
bad_input "--btf with a BTF that lacks the kernel's fields: CO-RE fails, one line" \
	"cannot load BPF programs of runqlat_bpf" runqlat --btf "$TMP/tiny.btf" -d 0.5
bad_input "--btf with a missing file" "--btf: cannot read /nonexistent-$$" \
	execsnoop --btf "/nonexistent-$$"
bad_input "--btf with a file that is not BTF" "--btf: /etc/passwd is not a BTF file" \
	opensnoop --btf /etc/passwd
bad_input "features does not take --btf" "unknown option '--btf'" features --btf "$TMP/tiny.btf"
done_testing
