#!/usr/bin/env bash
#
# mariadb.sh - a throwaway MariaDB server for the integration tests and the
# benchmarks: no mock, a real server, in a directory of its own.
#
#   mariadb.sh start DIR   create a data directory in DIR, start mariadbd on
#                          it, with database "trail" and user "trail"; writes
#                          mysql://trail:PASSWORD@127.0.0.1:PORT/trail to
#                          DIR/url and prints it, and the same database
#                          through the socket (mysql://trail:PASSWORD@localhost/
#                          trail?socket=PATH) to DIR/url-socket
#   mariadb.sh stop DIR    stop the server of DIR (if any) and remove DIR
#
# DIR holds the data directory (DIR/data), the server's temporary files (DIR/tmp), its PID file
# (DIR/mariadbd.pid), its log (DIR/server.log) and its unix socket
# (DIR/mysqld.sock, or a directory under TMPDIR when DIR's path is too long
# for a socket; DIR/socket names it either way). Both commands are
# idempotent: start on a running DIR prints its URL, stop on a missing or
# never-started DIR succeeds.
#
# Durability settings stay at MariaDB's defaults (innodb_flush_log_at_trx_commit=1,
# doublewrite): benchmarks start their servers with this script, and a server
# that skips fsync would flatter them.
#
# performance_schema is on, with its instruments off: test_kill finds a
# connection by the program_name attribute it sent, which only
# performance_schema.session_connect_attrs shows.
#
# Environment: MARIADB_BINDIR overrides where mariadb-install-db and mariadbd
# are looked for; MARIADB_START_TIMEOUT (seconds, default 60) bounds the wait
# for the server; MARIADB_MAX_ALLOWED_PACKET (a size such as 4M) sets the
# server's max_allowed_packet, else it keeps MariaDB's default (16M), which
# the integration tests use: test_timeouts needs an 8 MB write to go out;
# MARIADB_STOP_TIMEOUT (seconds, default 60) bounds the wait after SIGTERM
# before stop kills the server.
#
# galera.sh sources this file for its functions, each node of its cluster
# being a server of this script's kind; it sets SCRIPT first, and run by
# source this file does nothing.
set -euo pipefail

: "${SCRIPT:=mariadb.sh}"
readonly SCRIPT
readonly DB_USER=trail
readonly DB_NAME=trail
# Not a secret (the server listens on 127.0.0.1 only and lives for one test
# run); its reserved characters make every test connection prove that the
# URL's password is percent-decoded.
readonly DB_PASSWORD='trail:p@ss/w%rd'
readonly DB_PASSWORD_IN_URL='trail%3Ap%40ss%2Fw%25rd'
# 8-thread tests open a connection per thread, plus the tests' own, plus raw.c's.
readonly MAX_CONNECTIONS=50
readonly START_TIMEOUT=${MARIADB_START_TIMEOUT:-60}
readonly MAX_ALLOWED_PACKET=${MARIADB_MAX_ALLOWED_PACKET:-}
readonly STOP_TIMEOUT=${MARIADB_STOP_TIMEOUT:-60}
# mariadbd refuses to run as root unless told which user to become; when we
# are root, mariadb-install-db and mariadbd run as this user instead (the
# client programs may run as root).
readonly SERVER_OS_USER=nobody
# shellcheck source=tests/servers/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The path of server program $1: in MARIADB_BINDIR, on PATH, or in the
# directories Debian installs it to (/usr/sbin is not on a user's PATH).
find_program() {
    local name=$1 dir
    for dir in "${MARIADB_BINDIR:-}" $(tr ':' ' ' <<<"$PATH") /usr/sbin /usr/bin; do
        if [[ -n $dir && -x $dir/$name ]]; then
            echo "$dir/$name"
            return
        fi
    done
    die "$name not found via MARIADB_BINDIR, PATH, /usr/sbin or /usr/bin: install mariadb-server"
}

# True when DIR can be removed without harm: it holds what start makes
# (data/, the log, the URL) or nothing. Anything else may be someone's
# files, given to us by mistake.
is_ours() {
    local dir=$1 name
    for name in "$dir"/* "$dir"/.[!.]*; do
        [[ -e $name ]] || continue
        case ${name##*/} in
        data | tmp | mariadbd.pid | server.log | install.log | socket | mysqld.sock | url | url.tmp | url-socket) ;;
        *) return 1 ;;
        esac
    done
    return 0
}

# Where the unix socket goes: in DIR when the path fits the 107 bytes a
# socket path may have, else in a directory of its own under TMPDIR (stop
# removes it). Written to DIR/socket, for stop and for clients.
socket_path() {
    local dir=$1 sockdir
    if (($(printf '%s/mysqld.sock' "$dir" | wc -c) < 108)); then
        echo "$dir/mysqld.sock"
        return
    fi
    sockdir=$(mktemp -d "${TMPDIR:-/tmp}/trail-mariadb-XXXXXX")
    if ((EUID == 0)); then
        chown "$SERVER_OS_USER" "$sockdir"
    fi
    echo "$sockdir/mysqld.sock"
}

# The test database, in the byte-wise collation trail's tables use, and its
# user, made by the administrator account through the socket. PROCESS lets
# the user read information_schema.INNODB_TRX and performance_schema, as
# test_kill does.
bootstrap_sql() {
    cat <<EOF
CREATE DATABASE \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin;
CREATE USER '$DB_USER'@'%' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'%', '$DB_USER'@'localhost';
GRANT PROCESS ON *.* TO '$DB_USER'@'%', '$DB_USER'@'localhost';
GRANT SELECT ON performance_schema.* TO '$DB_USER'@'%', '$DB_USER'@'localhost';
EOF
}

# Settings the including script adds to every server it starts (galera.sh:
# the wsrep ones, which name ports of their own).
SERVER_SETTINGS=()

# Starts mariadbd on PORT in the background and waits until it answers on
# its socket. Returns 0 when it does, 3 when it could not bind the port (the
# caller tries another), and dies with the log for anything else.
start_server() {
    local mariadbd=$1 dir=$2 socket=$3 port=$4 log=$2/server.log
    local -a settings=(
        --no-defaults
        --datadir="$dir/data"
        --tmpdir="$dir/tmp"
        --pid-file="$dir/mariadbd.pid"
        --log-error="$log"
        --socket="$socket"
        --bind-address=127.0.0.1
        --port="$port"
        --skip-name-resolve
        --max-connections="$MAX_CONNECTIONS"
        --character-set-server=utf8mb4
        --collation-server=utf8mb4_nopad_bin
        # Small: the tests hold little data, and the machine is shared.
        --innodb-buffer-pool-size=64M
        --innodb-log-file-size=48M
        --performance-schema=ON
        --performance-schema-instrument='%=OFF'
        "${SERVER_SETTINGS[@]}"
    )
    if [[ -n $MAX_ALLOWED_PACKET ]]; then
        settings+=(--max-allowed-packet="$MAX_ALLOWED_PACKET")
    fi
    : >"$log"
    rm -f "$dir/mariadbd.pid"
    # setsid: the server gets a session and process group of its own, so that
    # ctest does not wait on it or kill it with the start test, and stop can
    # kill its whole group. Its output goes to the log, never to our stdout,
    # which ctest reads until every writer has closed it.
    (cd / && exec setsid "${AS_SERVER_USER[@]}" "$mariadbd" "${settings[@]}") </dev/null >>"$log" 2>&1 &
    local pid=$! waited=0
    # Ready means our mariadbd answers on its own socket, not merely that
    # the port answers: when our bind fails, whoever took the port would.
    until grep -q 'ready for connections' "$log" && kill -0 "$pid" 2>/dev/null &&
        admin "$socket" -e 'SELECT 1' >/dev/null 2>&1; do
        if ! kill -0 "$pid" 2>/dev/null; then
            if grep -q "Can't start server: Bind on TCP/IP port\|Address already in use" "$log"; then
                return 3
            fi
            cat "$log" >&2
            die "mariadbd exited before accepting connections (log above: $log)"
        fi
        if ((waited >= START_TIMEOUT * 2)); then
            kill_group "$pid"
            cat "$log" >&2
            die "mariadbd did not accept connections within ${START_TIMEOUT}s (log above)"
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
}

# $1 percent-encoded as a URL's query value ('/' may stay), byte by byte.
query_value() {
    local LC_ALL=C s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
        [A-Za-z0-9/._~-]) out+=$c ;;
        *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    echo "$out"
}

# The mariadb client as the administrator: the account of the OS user we
# run as, which mariadb-install-db lets in through the socket without a
# password (unix_socket authentication). The rest of the arguments are the
# client's.
admin() {
    local socket=$1
    shift
    mariadb --no-defaults --protocol=SOCKET --socket="$socket" -u "$(id -un)" "$@"
}

# The mariadb client as the test user, on 127.0.0.1:PORT. MYSQL_PWD keeps
# the password off the command line.
client() {
    local port=$1
    shift
    MYSQL_PWD=$DB_PASSWORD mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" \
        -u "$DB_USER" "$@"
}

# Makes DIR a server's directory: its temporary directory, its socket's path
# (in DIR/socket, and in SOCKET), and its data directory: made by
# mariadb-install-db, or left empty when INSTALL is "no" (for a Galera
# joiner, whose data comes from the state transfer).
prepare_dir() {
    local dir=$1 install=${2:-yes}
    make_server_dir "$dir"
    # A temporary directory of its own: two servers (a test run's and a
    # benchmark's) bootstrapping at once in a shared /tmp remove each other's
    # temporary tables, and mariadb-install-db then fails.
    make_server_dir "$dir/tmp"
    SOCKET=$(socket_path "$dir")
    echo "$SOCKET" >"$dir/socket"
    if [[ $install == no ]]; then
        make_server_dir "$dir/data"
        return
    fi
    if ! as_server_user "$(find_program mariadb-install-db)" --no-defaults --datadir="$dir/data" \
        --tmpdir="$dir/tmp" --skip-test-db \
        --auth-root-authentication-method=socket --auth-root-socket-user="$(id -un)" \
        >"$dir/install.log" 2>&1; then
        cat "$dir/install.log" >&2
        die "mariadb-install-db failed (output above)"
    fi
}

# The URL of the test database on 127.0.0.1:PORT.
tcp_url() {
    echo "mysql://$DB_USER:$DB_PASSWORD_IN_URL@127.0.0.1:$1/$DB_NAME"
}

# Creates the test database and user on the server of DIR (socket SOCKET,
# port PORT) and checks that the user reaches it over TCP.
create_test_db() {
    local dir=$1 socket=$2 port=$3
    bootstrap_sql | admin "$socket" ||
        die "creating database $DB_NAME and user $DB_USER failed (server log: $dir/server.log)"
    client "$port" -e 'SELECT 1' "$DB_NAME" >/dev/null ||
        die "user $DB_USER cannot reach database $DB_NAME over TCP (server log: $dir/server.log)"
}

start() {
    local dir=$1 mariadbd
    mariadbd=$(find_program mariadbd)

    if [[ -n $(running_pid "$dir/mariadbd.pid" mariadbd) && -s $dir/url ]]; then
        cat "$dir/url"
        return
    fi
    # Left over from a run that was killed: start afresh.
    if [[ -e $dir ]]; then
        stop "$dir"
    fi

    prepare_dir "$dir"
    start_on_free_port "$dir/server.log" start_server "$mariadbd" "$dir" "$SOCKET"
    create_test_db "$dir" "$SOCKET" "$PORT"
    # The same database through the unix socket, for the test of that URL form.
    echo "mysql://$DB_USER:$DB_PASSWORD_IN_URL@localhost/$DB_NAME?socket=$(query_value "$SOCKET")" \
        >"$dir/url-socket"
    publish_url "$dir" "$(tcp_url "$PORT")"
}

stop() {
    stop_server_dir "$1"
}

# Stops the server of DIR and removes DIR; galera.sh's stop does so for each
# node.
stop_server_dir() {
    local dir=$1 pid socket
    [[ -e $dir ]] || return 0
    [[ -d $dir ]] || die "$dir is not a directory"
    is_ours "$dir" || die "$dir holds files that mariadb.sh did not make: not removing it"

    pid=$(running_pid "$dir/mariadbd.pid" mariadbd)
    # SIGTERM is the normal shutdown: connections are closed, InnoDB
    # flushes what it must, and the server exits.
    if [[ -n $pid ]] && ! stop_pid "$pid" TERM "$STOP_TIMEOUT"; then
        echo "mariadb.sh: mariadbd $pid did not stop within ${STOP_TIMEOUT}s: killing it" >&2
        kill_group "$pid"
    fi
    socket=$(cat "$dir/socket" 2>/dev/null || true)
    if [[ $socket == "${TMPDIR:-/tmp}"/trail-mariadb-*/mysqld.sock ]]; then
        rm -rf "${socket%/mysqld.sock}"
    fi
    rm -rf "$dir"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    servers_main "$@"
fi
