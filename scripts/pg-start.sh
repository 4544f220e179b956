#!/usr/bin/env bash
# Usage: scripts/pg-start.sh DIR
#
# Starts a throwaway PostgreSQL 15 server for tests, with everything under DIR:
#   DIR/data      the cluster           DIR/sock   its unix socket
#   DIR/pg.log    the server log        DIR/url    the connection URL
#   DIR/port      the TCP port
# It listens on 127.0.0.1 only, on a free port, with fsync off (test data
# only!). Authentication is `trust` for local and loopback connections: no
# password, so the URL carries none. It creates the role `darasa` (LOGIN,
# CREATEDB) and the database `darasa` owned by it.
#
# The only line on stdout is the URL, postgres://darasa@127.0.0.1:PORT/darasa
# (progress goes to stderr), so `url=$(scripts/pg-start.sh "$dir" | tail -n1)`.
#
# initdb refuses to run as root: as root the cluster belongs to the `postgres`
# system user (commands run through runuser), otherwise to the current user.
# If DIR already holds a running server, it just prints its URL again; if it
# holds a stopped one, it starts it again. Stop with scripts/pg-stop.sh DIR.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_OS_USER=${PG_OS_USER:-postgres}   # used only when running as root

die() { printf 'pg-start: %s\n' "$*" >&2; exit 1; }
say() { printf 'pg-start: %s\n' "$*" >&2; }

[ $# -eq 1 ] || die "usage: $0 DIR"
[ -x "$PG_BIN/initdb" ] || die "no $PG_BIN/initdb: install postgresql-15 (scripts/ensure-deps.sh)"

mkdir -p "$1"
DIR=$(cd "$1" && pwd -P)
DATA=$DIR/data
SOCK=$DIR/sock
LOG=$DIR/pg.log

# A unix socket path must fit in 107 bytes (".s.PGSQL.NNNNN" included).
[ "${#SOCK}" -le 88 ] || die "DIR path too long for a unix socket: $SOCK (use a shorter one, e.g. mktemp -d)"

if [ "$(id -u)" -eq 0 ]; then
    id -u "$PG_OS_USER" >/dev/null 2>&1 || die "running as root but there is no '$PG_OS_USER' user to own the cluster"
    chown "$PG_OS_USER:" "$DIR"
    as_pg() { (cd "$DIR" && runuser -u "$PG_OS_USER" -- "$@"); }
    as_pg test -w "$DIR" -a -x "$DIR" \
        || die "user '$PG_OS_USER' cannot reach $DIR (a parent directory is not searchable by it?)"
else
    as_pg() { (cd "$DIR" && "$@"); }
fi

free_port() {
    python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

psql_su() {  # psql as the cluster's superuser, over the unix socket; SQL on stdin
    as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres
}

print_url() {
    local url="postgres://darasa@127.0.0.1:$PORT/darasa"
    printf '%s\n' "$url" > "$DIR/url"
    printf '%s\n' "$PORT" > "$DIR/port"
    chmod 644 "$DIR/url" "$DIR/port"
    printf '%s\n' "$url"
}

# --- already running? ---------------------------------------------------------
if [ -f "$DATA/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    PORT=$(sed -n "s/^port = \([0-9]*\).*/\1/p" "$DATA/postgresql.auto.conf" | tail -n1)
    [ -n "$PORT" ] || die "a server is running in $DATA but its port is unknown"
    say "already running on port $PORT"
    print_url
    exit 0
fi

# --- initdb -------------------------------------------------------------------
if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    as_pg mkdir -p "$DATA" "$SOCK"
    as_pg chmod 700 "$DATA"
    say "initdb in $DATA"
    as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
fi
as_pg mkdir -p "$SOCK"

# --- start, on a free port (retried: another process may take the port first) -
started=
for attempt in 1 2 3 4 5; do
    PORT=$(free_port)
    # postgresql.auto.conf is read last, so these settings win.
    as_pg tee "$DATA/postgresql.auto.conf" >/dev/null <<EOF
# Written by scripts/pg-start.sh: a throwaway test server.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF
    say "starting on 127.0.0.1:$PORT (attempt $attempt, log $LOG)"
    if as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >&2; then
        started=1
        break
    fi
    tail -n 5 "$LOG" >&2 || true
    # Don't retry unless the failure looks like a port clash.
    grep -qiE 'could not (bind|create listen)|address already in use' "$LOG" || break
done
[ -n "$started" ] || die "the server did not start; see $LOG"

# --- role and database ------------------------------------------------------------
psql_su <<'EOF'
SELECT 'CREATE ROLE darasa LOGIN CREATEDB'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'darasa')\gexec
SELECT 'CREATE DATABASE darasa OWNER darasa'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'darasa')\gexec
EOF

say "ready"
print_url
