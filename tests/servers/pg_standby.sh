#!/usr/bin/env bash
#
# pg_standby.sh - a throwaway PostgreSQL 15 primary with one hot standby
# streaming from it, on 127.0.0.1, for the cluster tests: no mock, two real
# servers, in a directory of their own.
#
#   pg_standby.sh start DIR   start a primary in DIR/primary (pg.sh's kind,
#                             database "trail"), clone it with pg_basebackup -R
#                             into DIR/standby and start that, wait until the
#                             primary sees it streaming; writes each one's URL
#                             (postgresql://trail@127.0.0.1:PORT/trail) to
#                             DIR/url-primary and DIR/url-standby, and both in
#                             one URL (postgresql://trail@127.0.0.1:P1,
#                             127.0.0.1:P2/trail?target_session_attrs=read-write)
#                             to DIR/url, and prints the latter
#   pg_standby.sh stop DIR    stop both servers of DIR (if any), remove DIR
#
# pg.sh's functions are reused, and its environment applies. Both commands
# are idempotent: start on a running pair prints its URL, stop on a missing
# or never-started DIR succeeds. A start that fails stops what it started.
#
# Environment: PG_STANDBY_TIMEOUT (seconds, default 60) bounds the wait for
# the standby to stream.
set -euo pipefail

SCRIPT=pg_standby.sh
readonly STREAM_TIMEOUT=${PG_STANDBY_TIMEOUT:-60}
# shellcheck source=tests/servers/pg.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg.sh"

# The port in a URL of pg.sh's (…@127.0.0.1:PORT/…).
url_port() {
    local url=$1
    url=${url##*@127.0.0.1:}
    echo "${url%%/*}"
}

# Waits until the primary on PORT has a standby streaming from it.
wait_streaming() {
    local bindir=$1 dir=$2 port=$3 waited state
    for ((waited = 0; ; waited++)); do
        state=$("$bindir/psql" -X -q -At -h 127.0.0.1 -p "$port" -U "$DB_USER" -d postgres \
            -c 'SELECT state FROM pg_stat_replication' 2>/dev/null || true)
        [[ $state == streaming ]] && return
        ((waited < STREAM_TIMEOUT * 5)) ||
            die "no standby streaming after ${STREAM_TIMEOUT}s (primary says '${state:-nothing}'; logs: $dir/primary/server.log, $dir/standby/server.log)"
        sleep 0.2
    done
}

# True when both servers of DIR run and its URL was written.
running() {
    local dir=$1
    [[ -s $dir/url && -n $(postmaster_pid "$dir/primary") && -n $(postmaster_pid "$dir/standby") ]]
}

start() {
    local dir=$1 bindir primary standby
    bindir=$(find_bindir)

    cluster_starting "$dir" || return 0
    primary=$(start_server_dir "$dir/primary" | tail -n 1)
    # initdb's pg_hba.conf lets replication connections from 127.0.0.1 in
    # (trust), and PostgreSQL 15's defaults (wal_level replica, ten WAL
    # senders) are what streaming needs.
    if ! as_server_user "$bindir/pg_basebackup" -h 127.0.0.1 -p "$(url_port "$primary")" \
        -U "$DB_USER" -D "$dir/standby" -R -X stream -c fast >"$dir/basebackup.log" 2>&1; then
        cat "$dir/basebackup.log" >&2
        die "pg_basebackup failed (output above)"
    fi
    rm -f "$dir/basebackup.log"
    # The copy took the primary's URL file along; the standby's is written
    # once it runs.
    rm -f "$dir/standby/url"
    start_on_free_port "$dir/standby/server.log" start_server "$bindir" "$dir/standby"
    standby="postgresql://$DB_USER@127.0.0.1:$PORT/$DB_NAME"
    wait_streaming "$bindir" "$dir" "$(url_port "$primary")"
    echo "$standby" >"$dir/standby/url"
    echo "$primary" >"$dir/url-primary"
    echo "$standby" >"$dir/url-standby"
    cluster_started "$dir" "postgresql://$DB_USER@127.0.0.1:$(url_port "$primary"),127.0.0.1:$PORT/$DB_NAME?target_session_attrs=read-write"
}

stop() {
    local dir=$1
    [[ -e $dir ]] || return 0
    [[ -d $dir ]] || die "$dir is not a directory"
    only_ours "$dir" 'primary|standby|basebackup\.log|url|url\.tmp|url-primary|url-standby'
    # The standby first: the primary's shutdown then waits for no WAL sender.
    stop_server_dir "$dir/standby"
    stop_server_dir "$dir/primary"
    rm -rf "$dir"
}

servers_main "$@"
