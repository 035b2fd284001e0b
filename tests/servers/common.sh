# common.sh - what the throwaway server scripts (pg.sh, mariadb.sh, and through
# them pg_standby.sh and galera.sh) share; sourced, not run. The including
# script sets SCRIPT (its name, for messages) and SERVER_OS_USER (whom the
# server runs as when we are root), and defines start DIR and stop DIR;
# servers_main dispatches to them.

die() {
    echo "$SCRIPT: $*" >&2
    exit 1
}

usage() {
    echo "usage: $SCRIPT start DIR | $SCRIPT stop DIR" >&2
    exit 2
}

# The command prefix that runs a program as the user the server runs as.
# setpriv execs in place (runuser would stay around as the parent), so a
# backgrounded server keeps the PID that "$!" reports.
AS_SERVER_USER=()
if ((EUID == 0)); then
    AS_SERVER_USER=(setpriv --reuid="$SERVER_OS_USER" --regid="$(id -g "$SERVER_OS_USER")" --clear-groups --)
fi

# Runs "$@" as that user. cd / because server programs fail when they
# cannot read the current directory (root's home, for one).
as_server_user() {
    (cd / && exec "${AS_SERVER_USER[@]}" "$@")
}

# Makes DIR, owned by the server's user when we are root.
make_server_dir() {
    local dir=$1
    mkdir -p "$dir"
    if ((EUID == 0)); then
        chown "$SERVER_OS_USER:$(id -gn "$SERVER_OS_USER")" "$dir"
        as_server_user test -w "$dir" ||
            die "$SERVER_OS_USER cannot write to $dir: a directory above it is not searchable by others"
    fi
}

# The PID on the first line of PIDFILE when that process runs and is named
# COMM, else nothing. The name check keeps a stale PID file from naming an
# unrelated process that reuses the PID.
running_pid() {
    local pidfile=$1 comm=$2 pid
    [[ -f $pidfile ]] || return 0
    pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    if kill -0 "$pid" 2>/dev/null && [[ $(cat "/proc/$pid/comm" 2>/dev/null || true) == "$comm" ]]; then
        echo "$pid"
    fi
}

# A TCP port nobody listens on right now, or COUNT of them, distinct, on one
# line (held at once while they are chosen, and chosen in one program: a
# Python start takes most of a second on a busy machine). Someone may take
# one before the server binds it: the server then fails and
# start_on_free_port tries others.
free_port() {
    local count=${1:-1} i ports=()
    if command -v python3 >/dev/null; then
        python3 -c 'import socket, sys
held = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))' "$count"
    else
        for ((i = 0; i < count; i++)); do
            ports+=($((20000 + RANDOM % 40000)))
        done
        echo "${ports[*]}"
    fi
}

# Runs "$@" PORT with free ports until it returns 0 (started), and sets PORT
# to the one it took. The command returns 3 when the port was taken; LOG is
# shown when no port worked.
readonly PORT_ATTEMPTS=5
start_on_free_port() {
    local log=$1 attempt rc
    shift
    for ((attempt = 1; ; attempt++)); do
        PORT=$(free_port 1)
        rc=0
        "$@" "$PORT" || rc=$?
        ((rc == 0)) && return
        if ((attempt == PORT_ATTEMPTS)); then
            cat "$log" >&2
            die "no free port after $PORT_ATTEMPTS attempts (last log above)"
        fi
    done
}

# Writes URL to DIR/url, last and renamed into place, so that a URL file
# means a server ready to use; prints it.
publish_url() {
    local dir=$1 url=$2
    echo "$url" >"$dir/url.tmp"
    mv "$dir/url.tmp" "$dir/url"
    echo "$url"
}

# The first steps of a cluster script's start (galera.sh, pg_standby.sh),
# whose running DIR says whether DIR's cluster is up: when it is, prints its
# URL and returns 1; else removes what a killed run left, makes DIR, and
# has a failure from here on stop what the start started, until
# cluster_started.
cluster_starting() {
    local dir=$1
    if running "$dir"; then
        cat "$dir/url"
        return 1
    fi
    if [[ -e $dir ]]; then
        stop "$dir"
    fi
    make_server_dir "$dir"
    # The path is written into the trap: run from a function that has a
    # local dir of its own (a node's), "$dir" would name that one.
    # shellcheck disable=SC2064
    trap "stop $(printf '%q' "$dir")" EXIT
}

# The end of a cluster script's start: a failure no longer stops the
# cluster, and its URL is published (publish_url DIR URL).
cluster_started() {
    trap - EXIT
    publish_url "$@"
}

# Dies unless every file in DIR has a name that the extended regular
# expression NAMES matches: anything else may be someone's files, given to
# us by mistake, and DIR is about to be removed.
only_ours() {
    local dir=$1 names=$2 name
    for name in "$dir"/* "$dir"/.[!.]*; do
        [[ -e $name ]] || continue
        [[ ${name##*/} =~ ^($names)$ ]] ||
            die "$dir holds files that $SCRIPT did not make: not removing it"
    done
}

# SIGKILLs PID's process group (its children with it) when it leads one,
# else PID alone, and waits up to 5 s until it is gone.
kill_group() {
    local pid=$1 waited
    if [[ $(ps -o pgid= -p "$pid" | tr -d ' ') == "$pid" ]]; then
        kill -KILL -- "-$pid" 2>/dev/null || true
    else
        kill -KILL "$pid" 2>/dev/null || true
    fi
    for ((waited = 0; waited < 50; waited++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
}

# Sends PID the signal SIG and waits up to TIMEOUT seconds for it to exit;
# returns 1 if it is still running then.
stop_pid() {
    local pid=$1 sig=$2 timeout=$3 waited
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((waited = 0; waited < timeout * 10; waited++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

# The command line: start DIR or stop DIR, DIR made absolute because the
# server programs run from /.
servers_main() {
    (($# == 2)) || usage
    [[ -n $2 ]] || usage
    local dir
    dir=$(realpath -m -- "$2")
    case $1 in
    start) start "$dir" ;;
    stop) stop "$dir" ;;
    *) usage ;;
    esac
}
