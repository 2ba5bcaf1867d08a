#!/bin/sh
# The README's real-server example (issue 15): PostgreSQL and pgbench from
# Debian's postgresql and postgresql-contrib packages.  A throw-away cluster
# in a temp dir, owned by postgres, listening only on a unix socket in that
# dir; pgbench -S -c 2 -j 2 -T 8 over the socket, not traced, once alone and
# once while `ipctrace attach --comm postgres -d 12` traces the server.
# Prints both TPS lines and the report; removes the cluster at the end.
#   sudo bench/pgbench_example.sh [OUTPUT_DIR]
set -eu
IPCTRACE=${IPCTRACE:-$(dirname "$0")/../build/ipctrace}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
out=${1:-.}
dir=$(mktemp -d /tmp/ipctrace-pg.XXXXXX)
chown postgres "$dir"
as_postgres() { su postgres -s /bin/sh -c "$1"; }
cleanup() {
	as_postgres "$BIN/pg_ctl -D $dir/data -m fast -w stop" >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
as_postgres "$BIN/initdb -D $dir/data -A trust" >/dev/null
as_postgres "$BIN/pg_ctl -D $dir/data -l $dir/log -w -o \"-c listen_addresses='' -c unix_socket_directories='$dir'\" start" >/dev/null
as_postgres "$BIN/pgbench -h $dir -i -s 1 postgres" >/dev/null 2>&1
run_pgbench() { as_postgres "$BIN/pgbench -h $dir -S -c 2 -j 2 -T 8 postgres" 2>/dev/null | grep -E '^tps'; }

echo "untraced: $(run_pgbench)"
"$IPCTRACE" attach --comm postgres -d 12 -o "$out/pgbench.json" > "$out/pgbench.txt" &
tracer=$!
sleep 1
echo "traced:   $(run_pgbench)"
wait $tracer
cat "$out/pgbench.txt"
