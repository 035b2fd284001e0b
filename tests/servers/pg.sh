#!/usr/bin/env bash
#
# pg.sh - a throwaway PostgreSQL 15 server for the integration tests and the
# benchmarks: no mock, a real server, in a directory of its own.
#
#   pg.sh start DIR   create a cluster in DIR, start it, create database
#                     "trail"; writes postgresql://trail@127.0.0.1:PORT/trail
#                     to DIR/url and prints it
#   pg.sh stop DIR    stop the server of DIR (if any) and remove DIR
#
# DIR is the data directory itself, so DIR/postmaster.pid is where the
# server's PID is found; its unix socket and its log (DIR/server.log) live
# there too. Both commands are idempotent: start on a running DIR prints its
# URL, stop on a missing or never-started DIR succeeds.
#
# Durability settings stay at PostgreSQL's defaults (fsync, synchronous_commit,
# full_page_writes): benchmarks start their servers with this script, and a
# server that skips fsync would flatter them.
#
# Environment: PG_BINDIR overrides where initdb and postgres are looked for;
# PG_START_TIMEOUT (seconds, default 60) bounds the wait for the server.
#
# pg_standby.sh sources this file for its functions, its primary and its
# standby each being a server of this script's kind; it sets SCRIPT first,
# and run by source this file does nothing.
set -euo pipefail

: "${SCRIPT:=pg.sh}"
readonly SCRIPT
readonly DB_USER=trail
readonly DB_NAME=trail
# 8-thread tests open a connection per thread, plus the tests' own, plus raw.c's.
readonly MAX_CONNECTIONS=50
readonly START_TIMEOUT=${PG_START_TIMEOUT:-60}
readonly STOP_TIMEOUT=30
# PostgreSQL refuses to run as root; when we are root, initdb and postgres run
# as this user (psql, pg_isready and createdb are clients and may run as root).
readonly SERVER_OS_USER=nobody
# shellcheck source=tests/servers/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The directory of initdb and postgres. pg_config comes with libpq, whose
# version can differ from the installed server's, so its answer counts only
# when the server programs are actually there.
find_bindir() {
    local dir
    for dir in "${PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/15/bin; do
        if [[ -n $dir && -x $dir/initdb && -x $dir/postgres ]]; then
            echo "$dir"
            return
        fi
    done
    die "no PostgreSQL server programs (initdb, postgres) found via PG_BINDIR, pg_config --bindir" \
        "or /usr/lib/postgresql/15/bin: install postgresql-15"
}

# True when DIR can be removed without harm: it holds a cluster (PG_VERSION)
# or nothing (a failed initdb empties it again). Anything else may be
# someone's files, given to us by mistake.
is_ours() {
    local dir=$1
    [[ -f $dir/PG_VERSION || -z $(find "$dir" -mindepth 1 -maxdepth 1 -print -quit) ]]
}

# The PID of DIR's postmaster when one is running, else nothing.
postmaster_pid() {
    running_pid "$1/postmaster.pid" postgres
}

# Starts postgres on PORT in the background and waits until it accepts
# connections. Returns 0 when it does, 3 when it could not bind the port (the
# caller tries another), and dies with the log for anything else.
start_server() {
    local bindir=$1 dir=$2 port=$3 log=$2/server.log
    local -a settings=(
        -c listen_addresses=127.0.0.1
        -c "port=$port"
        -c "max_connections=$MAX_CONNECTIONS"
    )
    # A unix socket path is limited to 107 bytes; a deep build tree can
    # exceed that, and the tests connect over TCP anyway.
    if (($(printf '%s/.s.PGSQL.%s' "$dir" "$port" | wc -c) < 108)); then
        settings+=(-c "unix_socket_directories=$dir")
    else
        settings+=(-c "unix_socket_directories=")
    fi
    : >"$log"
    # setsid: the server gets a session and process group of its own, so that
    # ctest does not wait on it or kill it with the start test, and stop can
    # kill its whole group. Its output goes to the log, never to our stdout,
    # which ctest reads until every writer has closed it.
    (cd / && exec setsid "${AS_SERVER_USER[@]}" "$bindir/postgres" -D "$dir" "${settings[@]}") \
        </dev/null >>"$log" 2>&1 &
    local pid=$! waited=0
    # Ready means our postmaster says so in its pid file (line 8; "standby"
    # on a hot standby that takes reads), not merely that the port answers:
    # when our bind fails, whoever took the port would.
    until [[ $(sed -n 8p "$dir/postmaster.pid" 2>/dev/null) =~ ^(ready|standby) ]] &&
        "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$DB_USER" -d postgres -t 1; do
        if ! kill -0 "$pid" 2>/dev/null; then
            if grep -q 'could not bind\|could not create any TCP/IP sockets' "$log"; then
                return 3
            fi
            cat "$log" >&2
            die "postgres exited before accepting connections (log above: $log)"
        fi
        if ((waited >= START_TIMEOUT * 2)); then
            kill_hard "$dir" "$pid"
            cat "$log" >&2
            die "postgres did not accept connections within ${START_TIMEOUT}s (log above)"
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
}

start() {
    start_server_dir "$1"
}

stop() {
    stop_server_dir "$1"
}

# Makes a cluster in DIR and starts it, with the test database; prints its
# URL, which it writes to DIR/url.
start_server_dir() {
    local dir=$1 bindir
    bindir=$(find_bindir)

    if [[ -n $(postmaster_pid "$dir") && -s $dir/url ]]; then
        cat "$dir/url"
        return
    fi
    # Left over from a run that was killed: start afresh.
    if [[ -e $dir ]]; then
        stop_server_dir "$dir"
    fi

    make_server_dir "$dir"
    # trust: a throwaway server on 127.0.0.1 and a socket in DIR; a password
    # would only have to be written next to the URL.
    local out
    if ! out=$(as_server_user "$bindir/initdb" -D "$dir" -U "$DB_USER" --auth=trust -E UTF8 --locale=C 2>&1); then
        echo "$out" >&2
        die "initdb failed (output above)"
    fi
    start_on_free_port "$dir/server.log" start_server "$bindir" "$dir"

    "$bindir/createdb" -h 127.0.0.1 -p "$PORT" -U "$DB_USER" "$DB_NAME" ||
        die "createdb $DB_NAME failed (server log: $dir/server.log)"
    publish_url "$dir" "postgresql://$DB_USER@127.0.0.1:$PORT/$DB_NAME"
}

# Stops the server of DIR and removes DIR.
stop_server_dir() {
    local dir=$1 pid
    [[ -e $dir ]] || return 0
    [[ -d $dir ]] || die "$dir is not a directory"
    is_ours "$dir" || die "$dir holds files that are not a PostgreSQL cluster: not removing it"

    pid=$(postmaster_pid "$dir")
    # SIGINT is the fast shutdown: running transactions are rolled back,
    # clients disconnected, and the server checkpoints and exits.
    if [[ -n $pid ]] && ! stop_pid "$pid" INT "$STOP_TIMEOUT"; then
        echo "pg.sh: postgres $pid did not stop within ${STOP_TIMEOUT}s: killing it" >&2
        kill_hard "$dir" "$pid"
    fi
    rm -rf "$dir"
}

# SIGKILL the server's process group (its backends with it), then remove the
# System V shared memory segment it leaves behind: the data directory that
# would let the next start reclaim it is about to go.
kill_hard() {
    local dir=$1 pid=$2 shmid
    kill_group "$pid"
    # Line 7 of postmaster.pid: the segment's key and id.
    shmid=$(sed -n 7p "$dir/postmaster.pid" 2>/dev/null | awk '{ print $2 }' || true)
    if [[ $shmid =~ ^[0-9]+$ ]]; then
        ipcrm -m "$shmid" 2>/dev/null || true
    fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    servers_main "$@"
fi
