#!/usr/bin/env bash
# sslsniff: a unique line sent over TLS on loopback (openssl
# s_server, self-signed certificate made here, python3 client) appears in plaintext.
source "$(dirname "$0")/lib.bash"
plan 7

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=localhost -keyout "$TMP/k.pem" -out "$TMP/c.pem" 2>/dev/null || exit 1
secret="secret-$$-$RANDOM"

# serve_once: s_server for one connection on a free port (retry on collision)
serve_once() {
	for try in 1 2 3 4 5; do
		port=$((20000 + (RANDOM + $$) % 40000))
		openssl s_server -accept "127.0.0.1:$port" -cert "$TMP/c.pem" -key "$TMP/k.pem" \
			-quiet -naccept 1 >"$TMP/srv.out" 2>&1 &
		server=$!
		_pids+=($server)
		for _ in $(seq 1 60); do # until it listens, at most 3 s
			ss -Hltn "sport = :$port" | grep -q . && return 0
			kill -0 "$server" 2>/dev/null || break
			sleep 0.05
		done
	done
	return 1
}
# send_secret LINE: a python3 TLS client (its _ssl uses the system libssl:
# SSL_write_ex) sends the line and waits for the server to close
send_secret() {
	timeout 10 python3 -c '
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as raw:
    with ctx.wrap_socket(raw) as tls:
        tls.sendall((sys.argv[2] + "\n").encode())
' "$port" "$1" >"$TMP/cli.out" 2>&1 || diag "client failed: $(tail -3 "$TMP/cli.out")"
	sleep 0.2
}

start_bpfscope s sslsniff -o json || exit 1
grep -q "decrypted TLS traffic" "$TMP/s.err"
ok $? "warns on stderr that it shows secrets"
serve_once || exit 1
send_secret "$secret"
stop_bpfscope
jq -e . "$TMP/s.out" >/dev/null
ok $? "json lines parse"
rec=$(jq -c --arg s "$secret" 'select(.op == "WRITE" and (.data | contains($s)))' "$TMP/s.out" | head -1)
[ "$(jq -r .op <<<"$rec")" = WRITE ] && [ "$(jq -r .comm <<<"$rec")" = python3 ] &&
	[ "$(jq -r .len <<<"$rec")" = $((${#secret} + 1)) ]
ok $? "the client's SSL_write of the secret, $((${#secret} + 1)) bytes (got: $rec)"
[ -n "$rec" ] && jq -e --arg s "$secret" '.data == $s + "\n"' <<<"$rec" >/dev/null
ok $? "data is the exact plaintext"

serve_once || exit 1
start_bpfscope t sslsniff -c "$(echo nosuch$$ | cut -c1-15)" || exit 1
send_secret "other-$secret"
stop_bpfscope
! grep -q "other-$secret" "$TMP/t.out"
ok $? "-c another command: the secret is not shown"
bad_input "unknown library" "cannot find" sslsniff --lib libnosuchssl-$$
bad_input "bad byte limit" "out of range" sslsniff -b 100000
done_testing
