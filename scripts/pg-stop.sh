#!/usr/bin/env bash
# Usage: scripts/pg-stop.sh DIR
# Stops the server that scripts/pg-start.sh DIR started (pg_ctl stop -m fast,
# then -m immediate if that does not finish). Safe to call twice, and on a DIR
# that holds no server or does not exist: it then says so and exits 0.
# It does not remove DIR.
set -uo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

say() { printf 'pg-stop: %s\n' "$*" >&2; }

[ $# -eq 1 ] || { say "usage: $0 DIR"; exit 2; }
DATA=$1/data

if [ ! -f "$DATA/postmaster.pid" ]; then
    say "no server running in $1"
    exit 0
fi

# Run pg_ctl as the cluster's owner (root cannot run it).
owner=$(stat -c %U "$DATA")
if [ "$(id -u)" -eq 0 ] && [ "$owner" != root ]; then
    as_owner() { (cd / && runuser -u "$owner" -- "$@"); }
else
    as_owner() { "$@"; }
fi

if ! as_owner "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    say "no server running in $1 (stale postmaster.pid)"
    exit 0
fi

if as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >&2; then
    exit 0
fi
say "fast shutdown did not finish; trying immediate"
as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w -t 30 stop >&2
