#!/usr/bin/env bash
# bpfscope types: a type pack built from Apache's real httpd.h gives the same
# offsets as the C compiler (offsetof in a program compiled here), and
# `types show` reads types through a debuglink; bad input gets one line.
source "$(dirname "$0")/lib.bash"
plan 21

INC=(-I /usr/include/apache2 -I /usr/include/apr-1.0)
pack=$TMP/httpd.types

check "types build httpd.h http_request.h" "$BPFSCOPE" types build httpd.h http_request.h "${INC[@]}" -o "$pack"
check "the pack is an ELF file with DWARF" bash -c "readelf -S '$pack' | grep -q debug_info"

# What the compiler says.
cat >"$TMP/offsets.c" <<'C'
#include <stddef.h>
#include <stdio.h>
#include <httpd.h>
int main(void)
{
	printf("request_rec.size %zu\n", sizeof(request_rec));
	printf("request_rec.the_request %zu\n", offsetof(request_rec, the_request));
	printf("request_rec.hostname %zu\n", offsetof(request_rec, hostname));
	printf("request_rec.connection %zu\n", offsetof(request_rec, connection));
	printf("conn_rec.size %zu\n", sizeof(conn_rec));
	printf("conn_rec.client_ip %zu\n", offsetof(conn_rec, client_ip));
	return 0;
}
C
cc "${INC[@]}" -o "$TMP/offsets" "$TMP/offsets.c" && "$TMP/offsets" >"$TMP/want"
want() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/want"; }

"$BPFSCOPE" types show "$pack" request_rec conn_rec >"$TMP/show" 2>"$TMP/show.err"
ok $? "types show request_rec conn_rec"
# "	char *the_request;   /*    48       8 */" -> 48
got() {
	awk -v s="$1" -v m="$2" '
		/^(struct|union) / { cur = $2 }
		cur == s && $0 ~ "[ *]" m ";" { for (i = 1; i <= NF; i++) if ($i == "/*") { print $(i + 1); exit } }
	' "$TMP/show"
}
size_of() { awk -v s="$1" '$2 == s && /size/ { print $(NF - 1) }' "$TMP/show"; }

for f in the_request hostname connection; do
	[ -n "$(want request_rec.$f)" ] && [ "$(got request_rec $f)" = "$(want request_rec.$f)" ]
	ok $? "request_rec.$f at offset $(want request_rec.$f) (got '$(got request_rec $f)')"
done
[ "$(got conn_rec client_ip)" = "$(want conn_rec.client_ip)" ]
ok $? "conn_rec.client_ip at offset $(want conn_rec.client_ip) (got '$(got conn_rec client_ip)')"
[ "$(size_of request_rec)" = "$(want request_rec.size)" ] && [ "$(size_of conn_rec)" = "$(want conn_rec.size)" ]
ok $? "sizes of request_rec and conn_rec ($(want request_rec.size), $(want conn_rec.size))"
grep -q 'conn_rec \*connection;' "$TMP/show"
ok $? "request_rec.connection is a conn_rec *" || show "$TMP/show"

"$BPFSCOPE" types show "$pack" ap_process_request >"$TMP/fn" 2>&1
grep -q '^void ap_process_request(request_rec \*);' "$TMP/fn"
ok $? "the pack knows ap_process_request's parameter types" || show "$TMP/fn"

# A stripped binary: types come from the debug file named by .gnu_debuglink.
"$BPFSCOPE" types show "$TARGETS/typed.stripped" 'struct connection' handle_request >"$TMP/s2" 2>&1
grep -q 'struct sockaddr_in addr;' "$TMP/s2" && grep -q 'int handle_request(struct request \*r, const char \*host, int n);' "$TMP/s2"
ok $? "types show through .gnu_debuglink" || show "$TMP/s2"
"$BPFSCOPE" types show "$TARGETS/typedxx" srv::Handler::handle >"$TMP/s3" 2>&1
grep -q 'srv::Handler::handle(Handler \*const this, int code, const char \*msg)' "$TMP/s3"
ok $? "C++ method with this" || show "$TMP/s3"

# No debuglink: found only with --debug-dir (DIR/<name>.debug, build-id checked).
objcopy --strip-all "$TARGETS/typed" "$TMP/nolink" && mkdir -p "$TMP/dbg" &&
	cp "$TARGETS/typed.debug" "$TMP/dbg/nolink.debug"
"$BPFSCOPE" types show --debug-dir "$TMP/dbg" "$TMP/nolink" tstring >"$TMP/s4" 2>&1
grep -q 'char val\[1\];' "$TMP/s4"
ok $? "--debug-dir" || show "$TMP/s4"
bad_input "no debug info without --debug-dir" "has no debug info" types show "$TMP/nolink" tstring
bad_input "no debug info" "has no debug info" types show "$TARGETS/typed.nodebug" 'struct request'
echo "plain text" >"$TMP/notelf"
bad_input "not an ELF file" "is not an ELF file" types show "$TMP/notelf" int
bad_input "missing file" "No such file" types show "$TMP/nope.types" int
bad_input "unknown type" "no type or function 'struct nope'" types show "$pack" 'struct nope'
bad_input "missing header" "compiling the headers failed" types build no_such_header_xyz.h -o "$TMP/x.types"
bad_input "build without -o" "needs -o FILE" types build httpd.h
bad_input "no subcommand" "expected 'build' or 'show'" types
done_testing
