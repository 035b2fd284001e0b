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
set -euo pipefail

readonly DB_USER=trail
readonly DB_NAME=trail
# 8-thread tests open a connection per thread, plus the tests' own, plus raw.c's.
readonly MAX_CONNECTIONS=50
readonly START_TIMEOUT=${PG_START_TIMEOUT:-60}
readonly STOP_TIMEOUT=30
readonly PORT_ATTEMPTS=5
# PostgreSQL refuses to run as root; when we are root, initdb and postgres run
# as this user (psql, pg_isready and createdb are clients and may run as root).
readonly PG_OS_USER=nobody

die() {
    echo "pg.sh: $*" >&2
    exit 1
}

usage() {
    echo "usage: pg.sh start DIR | pg.sh stop DIR" >&2
    exit 2
}

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

# The command prefix that runs a program as the user the server runs as.
# setpriv execs in place (runuser would stay around as the parent), so a
# backgrounded postgres keeps the PID that "$!" reports.
AS_PG_USER=()
if ((EUID == 0)); then
    AS_PG_USER=(setpriv --reuid="$PG_OS_USER" --regid="$(id -g "$PG_OS_USER")" --clear-groups --)
fi

# Runs "$@" as that user. cd / because initdb and postgres fail when they
# cannot read the current directory (root's home, for one).
as_pg_user() {
    (cd / && exec "${AS_PG_USER[@]}" "$@")
}

# True when DIR can be removed without harm: it holds a cluster (PG_VERSION)
# or nothing (a failed initdb empties it again). Anything else may be
# someone's files, given to us by mistake.
is_ours() {
    local dir=$1
    [[ -f $dir/PG_VERSION || -z $(find "$dir" -mindepth 1 -maxdepth 1 -print -quit) ]]
}

# The PID of DIR's postmaster when one is running, else nothing. The name
# check keeps a stale postmaster.pid from naming an unrelated process that
# reuses the PID.
running_pid() {
    local dir=$1 pid
    [[ -f $dir/postmaster.pid ]] || return 0
    pid=$(head -n 1 "$dir/postmaster.pid" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    if kill -0 "$pid" 2>/dev/null && [[ $(cat "/proc/$pid/comm" 2>/dev/null || true) == postgres ]]; then
        echo "$pid"
    fi
}

# A TCP port nobody listens on right now. Someone may take it before the
# server binds it: start_server then fails and start tries another.
free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $((20000 + RANDOM % 40000))
    fi
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
    (cd / && exec setsid "${AS_PG_USER[@]}" "$bindir/postgres" -D "$dir" "${settings[@]}") \
        </dev/null >>"$log" 2>&1 &
    local pid=$! waited=0
    # Ready means our postmaster says so in its pid file (line 8), not merely
    # that the port answers: when our bind fails, whoever took the port would.
    until [[ $(sed -n 8p "$dir/postmaster.pid" 2>/dev/null) == ready* ]] &&
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
    local dir=$1 bindir url
    bindir=$(find_bindir)

    if [[ -n $(running_pid "$dir") && -s $dir/url ]]; then
        cat "$dir/url"
        return
    fi
    # Left over from a run that was killed: start afresh.
    if [[ -e $dir ]]; then
        stop "$dir"
    fi

    mkdir -p "$dir"
    if ((EUID == 0)); then
        chown "$PG_OS_USER:$(id -gn "$PG_OS_USER")" "$dir"
        as_pg_user test -w "$dir" ||
            die "$PG_OS_USER cannot write to $dir: a directory above it is not searchable by others"
    fi
    # trust: a throwaway server on 127.0.0.1 and a socket in DIR; a password
    # would only have to be written next to the URL.
    local out
    if ! out=$(as_pg_user "$bindir/initdb" -D "$dir" -U "$DB_USER" --auth=trust -E UTF8 --locale=C 2>&1); then
        echo "$out" >&2
        die "initdb failed (output above)"
    fi

    local attempt port rc
    for ((attempt = 1; ; attempt++)); do
        port=$(free_port)
        rc=0
        start_server "$bindir" "$dir" "$port" || rc=$?
        ((rc == 0)) && break
        if ((attempt == PORT_ATTEMPTS)); then
            cat "$dir/server.log" >&2
            die "no free port after $PORT_ATTEMPTS attempts (last log above)"
        fi
    done

    "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME" ||
        die "createdb $DB_NAME failed (server log: $dir/server.log)"

    # Written last, and renamed into place, so that a URL file means a server
    # ready to use.
    url="postgresql://$DB_USER@127.0.0.1:$port/$DB_NAME"
    echo "$url" >"$dir/url.tmp"
    mv "$dir/url.tmp" "$dir/url"
    echo "$url"
}

stop() {
    local dir=$1 pid waited
    [[ -e $dir ]] || return 0
    [[ -d $dir ]] || die "$dir is not a directory"
    is_ours "$dir" || die "$dir holds files that are not a PostgreSQL cluster: not removing it"

    pid=$(running_pid "$dir")
    if [[ -n $pid ]]; then
        # SIGINT is the fast shutdown: running transactions are rolled back,
        # clients disconnected, and the server checkpoints and exits.
        kill -INT "$pid" 2>/dev/null || true
        for ((waited = 0; waited < STOP_TIMEOUT * 10; waited++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "pg.sh: postgres $pid did not stop within ${STOP_TIMEOUT}s: killing it" >&2
            kill_hard "$dir" "$pid"
        fi
    fi
    rm -rf "$dir"
}

# SIGKILL the server's process group (its backends with it), then remove the
# System V shared memory segment it leaves behind: the data directory that
# would let the next start reclaim it is about to go.
kill_hard() {
    local dir=$1 pid=$2 shmid waited
    if [[ $(ps -o pgid= -p "$pid" | tr -d ' ') == "$pid" ]]; then
        kill -KILL -- "-$pid" 2>/dev/null || true
    else
        kill -KILL "$pid" 2>/dev/null || true
    fi
    for ((waited = 0; waited < 50; waited++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    # Line 7 of postmaster.pid: the segment's key and id.
    shmid=$(sed -n 7p "$dir/postmaster.pid" 2>/dev/null | awk '{ print $2 }' || true)
    if [[ $shmid =~ ^[0-9]+$ ]]; then
        ipcrm -m "$shmid" 2>/dev/null || true
    fi
}

(($# == 2)) || usage
[[ -n $2 ]] || usage
# Absolute, because the server programs run from /.
dir=$(realpath -m -- "$2")
case $1 in
start) start "$dir" ;;
stop) stop "$dir" ;;
*) usage ;;
esac
