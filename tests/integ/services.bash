# Private instances of the real servers the integration tests talk to:
# memcached and MariaDB on 127.0.0.1, on ports derived from the test's pid,
# with their data under $TMP, killed by lib.bash's cleanup on exit.
# Source after lib.bash. Every wait is bounded.

_free_port() { # base: a port unlikely to collide with other tests running now
	echo $(($1 + $$ % 10000))
}

_wait_port() { # port tries(x50ms)
	local i
	for i in $(seq 1 "$2"); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

_wait_port_of() { # port pid tries(x50ms): until the port opens or pid exits
	local i
	for i in $(seq 1 "$3"); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# memcached_start: sets MC_PORT, MC_PID
memcached_start() {
	command -v memcached >/dev/null || return 1
	MC_PORT=$(_free_port 21000)
	memcached -u nobody -l 127.0.0.1 -p "$MC_PORT" -U 0 -m 16 &
	MC_PID=$!
	_pids+=("$MC_PID")
	_wait_port "$MC_PORT" 100
}

# mariadb_start: a throwaway MariaDB with an empty root password over TCP on
# 127.0.0.1 and a database `bpfscope`; sets DB_PORT, DB_PID, DB_SOCK and
# DB_CLI (a mariadb client command line for it).
mariadb_start() {
	command -v mariadbd >/dev/null || command -v /usr/sbin/mariadbd >/dev/null || return 1
	local dir=$TMP/mariadb
	# the server runs as mysql: it must be able to traverse the test's dir
	chmod o+x "$TMP"
	mkdir -p "$dir/data" && chown -R mysql:mysql "$dir" || return 1
	DB_SOCK=$dir/sock
	mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" \
		--auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 || return 1
	# ports below the ephemeral range (32768-60999), where any outgoing
	# connection may hold the port; another one when it is taken all the same
	local try
	for try in 0 1 2; do
		DB_PORT=$((31000 + ($$ + try * 541) % 1700))
		/usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$dir/data" \
			--bind-address=127.0.0.1 --port="$DB_PORT" --socket="$DB_SOCK" \
			--pid-file="$dir/pid" --skip-log-bin --innodb-buffer-pool-size=16M \
			--log-error="$dir/error.log" 2>>"$dir/error.log" &
		DB_PID=$!
		_pids+=("$DB_PID")
		_wait_port_of "$DB_PORT" "$DB_PID" 400 && break
		grep -q 'Address already in use' "$dir/error.log" || return 1
	done
	kill -0 "$DB_PID" 2>/dev/null || return 1
	DB_CLI="mariadb --no-defaults -h 127.0.0.1 -P $DB_PORT -u root"
	$DB_CLI -e "CREATE DATABASE IF NOT EXISTS bpfscope;
		ALTER USER 'root'@'localhost' IDENTIFIED BY '';
		CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
		GRANT ALL ON *.* TO 'root'@'127.0.0.1';" 2>/dev/null ||
		mariadb --no-defaults -S "$DB_SOCK" -u root -e "CREATE DATABASE IF NOT EXISTS bpfscope;
		CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
		GRANT ALL ON *.* TO 'root'@'127.0.0.1';"
}

# fpm_start: a private php-fpm pool (one worker, static) on a unix socket
# under $TMP, serving files the worker (nobody) can read; sets FPM_PID (the
# master), FPM_WORKER and FPM_SOCK. Drive it with $TARGETS/fcgi_get.
fpm_start() {
	local fpm=/usr/sbin/php-fpm8.2
	[ -x "$fpm" ] || return 1
	chmod 755 "$TMP"
	cat >"$TMP/fpm.conf" <<EOF
[global]
pid = $TMP/fpm.pid
error_log = $TMP/fpm.log
daemonize = no
[bpfscope$$]
user = nobody
group = nogroup
listen = $TMP/fpm.sock
listen.mode = 0666
pm = static
pm.max_children = 1
EOF
	"$fpm" -R -F -y "$TMP/fpm.conf" >/dev/null 2>&1 &
	FPM_PID=$!
	_pids+=("$FPM_PID")
	FPM_SOCK=$TMP/fpm.sock
	FPM_WORKER=
	for _ in $(seq 1 100); do
		FPM_WORKER=$(pgrep -P "$FPM_PID" | head -1)
		[ -n "$FPM_WORKER" ] && [ -S "$FPM_SOCK" ] && break
		sleep 0.05
	done
	[ -n "$FPM_WORKER" ] && _pids+=("$FPM_WORKER")
	[ -n "$FPM_WORKER" ]
}
