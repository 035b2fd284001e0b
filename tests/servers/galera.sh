#!/usr/bin/env bash
#
# galera.sh - a throwaway 3-node MariaDB Galera cluster on 127.0.0.1 for the
# cluster tests: no mock, three real servers replicating, in a directory of
# their own.
#
#   galera.sh start DIR   bootstrap node 1, join nodes 2 and 3 (rsync state
#                         transfer), wait until every node is Synced in a
#                         cluster of 3; writes node N's URL
#                         (mysql://trail:PASSWORD@127.0.0.1:PORT/trail) to
#                         DIR/urlN and all three hosts in one URL
#                         (mysql://trail:PASSWORD@127.0.0.1:P1,127.0.0.1:P2,
#                         127.0.0.1:P3/trail) to DIR/url, and prints the latter
#   galera.sh stop DIR    stop every node of DIR (if any) and remove DIR
#   galera.sh kill DIR N  SIGKILL node N, as a crash would end it (the
#                         kill-a-node test); its data directory stays
#   galera.sh rejoin DIR N
#                         start node N again on its port, joining the
#                         others (state transfer), and wait until every
#                         node is Synced in a cluster of 3 again (a node
#                         that runs is only waited for)
#   galera.sh isolate DIR N
#                         cut node N off the others (gmcast.isolate): it
#                         keeps running, outside the primary component, and
#                         answers 1047 to every use of a table; returns
#                         once it says wsrep_ready OFF
#   galera.sh heal DIR N  let node N back in, and wait until every node is
#                         Synced in a cluster of 3 again
#
# Each node is a server of mariadb.sh's kind in DIR/nodeN (its functions are
# reused, and its environment applies), plus the wsrep settings. Both
# commands are idempotent: start on a running cluster prints its URL, stop
# on a missing or never-started DIR succeeds. A start that fails stops what
# it started.
#
# Environment: GALERA_PROVIDER overrides the wsrep provider library (else the
# one of the galera-4 package); GALERA_SYNC_TIMEOUT (seconds, default 120)
# bounds the wait for the cluster to be Synced; GALERA_STOP_TIMEOUT (seconds,
# default 30) bounds each node's shutdown before it is killed.
set -euo pipefail

SCRIPT=galera.sh
readonly NODES=3
readonly SYNC_TIMEOUT=${GALERA_SYNC_TIMEOUT:-120}
MARIADB_STOP_TIMEOUT=${GALERA_STOP_TIMEOUT:-30}
# shellcheck source=tests/servers/mariadb.sh
source "$(dirname "${BASH_SOURCE[0]}")/mariadb.sh"

# The wsrep provider: GALERA_PROVIDER, else the library galera-4 installed.
find_provider() {
    local lib=${GALERA_PROVIDER:-}
    if [[ -z $lib ]]; then
        lib=$(dpkg -L galera-4 2>/dev/null | grep '/libgalera_smm\.so$' | head -n 1 || true)
    fi
    [[ -n $lib && -r $lib ]] ||
        die "no Galera provider library via GALERA_PROVIDER or the galera-4 package: install galera-4"
    echo "$lib"
}

# Starts node N on PORT (mariadb.sh's start_server), with ports of its own
# for group communication, incremental and full state transfer chosen
# afresh on each attempt: a taken one fails the start like a taken PORT, and
# start_on_free_port tries again. Node 1 bootstraps a new cluster unless
# REJOIN is set; the others join it through the group ports of the nodes
# in GCOMM_PORTS. The ports are noted in the cluster's directory (portN,
# gcommN), for rejoin.
start_node() {
    local mariadbd=$1 provider=$2 n=$3 dir=$4 socket=$5 port=$6 gcomm ist sst address
    read -r gcomm ist sst <<<"$(free_port 3)"
    address=
    if ((${#GCOMM_PORTS[@]})); then
        address=$(printf '127.0.0.1:%s,' "${GCOMM_PORTS[@]}")
    fi
    SERVER_SETTINGS=(
        --wsrep-on=ON
        --wsrep-provider="$provider"
        --wsrep-cluster-name="trail-$CLUSTER_ID"
        --wsrep-cluster-address="gcomm://${address%,}"
        --wsrep-node-name="node$n"
        --wsrep-node-address="127.0.0.1:$gcomm"
        --wsrep-node-incoming-address="127.0.0.1:$port"
        --wsrep-sst-method=rsync
        --wsrep-sst-receive-address="127.0.0.1:$sst"
        # A small gcache: the tests write little, and the machine is shared.
        --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$gcomm;ist.recv_addr=127.0.0.1:$ist;gcache.size=32M"
        # What Galera requires of the server: row events, and auto-increment
        # locking that does not serialize concurrent inserts across nodes.
        --binlog-format=ROW
        --innodb-autoinc-lock-mode=2
        --default-storage-engine=InnoDB
    )
    if ((n == 1)) && [[ -z ${REJOIN:-} ]]; then
        SERVER_SETTINGS+=(--wsrep-new-cluster)
    fi
    local rc=0
    start_server "$mariadbd" "$dir" "$socket" "$port" || rc=$?
    if ((rc == 0)); then
        GCOMM_PORTS+=("$gcomm")
        echo "$port" >"${dir%/*}/port$n"
        echo "$gcomm" >"${dir%/*}/gcomm$n"
    fi
    return "$rc"
}

# wsrep_cluster_size and wsrep_local_state_comment of the node at SOCKET, on
# one line ("3 Synced"); nothing while it cannot say.
node_state() {
    admin "$1" -N -B -e "SELECT
        MAX(IF(VARIABLE_NAME = 'WSREP_CLUSTER_SIZE', VARIABLE_VALUE, NULL)),
        MAX(IF(VARIABLE_NAME = 'WSREP_LOCAL_STATE_COMMENT', VARIABLE_VALUE, NULL))
        FROM information_schema.GLOBAL_STATUS" 2>/dev/null | tr '\t' ' ' || true
}

# Waits until each of the first COUNT nodes is Synced in a cluster of COUNT.
wait_synced() {
    local dir=$1 count=$2 n state waited
    for ((waited = 0; ; waited++)); do
        for ((n = 1; n <= count; n++)); do
            state=$(node_state "$(cat "$dir/node$n/socket")")
            [[ $state == "$count Synced" ]] || break
        done
        ((n > count)) && return
        ((waited < SYNC_TIMEOUT * 2)) ||
            die "node $n is '${state:-not answering}', not '$count Synced', after ${SYNC_TIMEOUT}s (log: $dir/node$n/server.log)"
        sleep 0.5
    done
}

# True when every node of DIR runs and the cluster's URL was written.
running() {
    local dir=$1 n
    [[ -s $dir/url ]] || return 1
    for ((n = 1; n <= NODES; n++)); do
        [[ -n $(running_pid "$dir/node$n/mariadbd.pid" mariadbd) ]] || return 1
    done
}

start() {
    local dir=$1 mariadbd provider n install ports=()
    mariadbd=$(find_program mariadbd)
    provider=$(find_provider)
    command -v rsync >/dev/null || die "rsync not found: the state transfer needs it; install rsync"

    # A node that failed to start, or a cluster that never became Synced,
    # is not left running.
    cluster_starting "$dir" || return 0
    # Nodes of another cluster that reach one of our group ports by mistake
    # are refused by the name.
    CLUSTER_ID=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
    echo "$CLUSTER_ID" >"$dir/cluster"
    GCOMM_PORTS=()
    for ((n = 1; n <= NODES; n++)); do
        # A joiner's data directory comes from the state transfer.
        install=no
        ((n > 1)) || install=yes
        prepare_dir "$dir/node$n" "$install"
        start_on_free_port "$dir/node$n/server.log" start_node "$mariadbd" "$provider" "$n" \
            "$dir/node$n" "$SOCKET"
        ports+=("$PORT")
        wait_synced "$dir" "$n"
        if ((n == 1)); then
            # Made once, on node 1: the joiners receive it with their state.
            create_test_db "$dir/node1" "$SOCKET" "$PORT"
        fi
    done
    for ((n = 1; n <= NODES; n++)); do
        client "${ports[n - 1]}" -e 'SELECT 1' "$DB_NAME" >/dev/null ||
            die "user $DB_USER cannot reach database $DB_NAME on node $n (log: $dir/node$n/server.log)"
        tcp_url "${ports[n - 1]}" >"$dir/url$n"
    done
    local hosts
    hosts=$(printf '127.0.0.1:%s,' "${ports[@]}")
    cluster_started "$dir" "mysql://$DB_USER:$DB_PASSWORD_IN_URL@${hosts%,}/$DB_NAME"
}

stop() {
    local dir=$1 n
    [[ -e $dir ]] || return 0
    [[ -d $dir ]] || die "$dir is not a directory"
    only_ours "$dir" 'node[1-9]|url[1-9]?|url\.tmp|cluster|port[1-9]|gcomm[1-9]'
    # The last node first: each leaves a cluster that is still whole, and
    # node 1 does not wait for peers that are gone.
    for ((n = NODES; n >= 1; n--)); do
        # SIGTERM, SIGKILL after the timeout, the node's directory removed.
        stop_server_dir "$dir/node$n"
    done
    rm -rf "$dir"
}

# SIGKILLs node N of DIR and waits until it is gone.
kill_node() {
    local dir=$1 n=$2 pid
    pid=$(running_pid "$dir/node$n/mariadbd.pid" mariadbd)
    [[ -n $pid ]] || die "node $n of $dir is not running"
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do
        sleep 0.1
    done
}

# Starts node N of DIR again on its own port (its URL stays right), joining
# the other nodes, and waits until all are Synced in a cluster of NODES.
rejoin_node() {
    local dir=$1 n=$2 m mariadbd provider
    mariadbd=$(find_program mariadbd)
    provider=$(find_provider)
    if [[ -n $(running_pid "$dir/node$n/mariadbd.pid" mariadbd) ]]; then
        wait_synced "$dir" "$NODES" # running: rejoined already, or never killed
        return
    fi
    CLUSTER_ID=$(cat "$dir/cluster")
    GCOMM_PORTS=()
    for ((m = 1; m <= NODES; m++)); do
        ((m == n)) || GCOMM_PORTS+=("$(cat "$dir/gcomm$m")")
    done
    SOCKET=$(cat "$dir/node$n/socket")
    REJOIN=yes start_node "$mariadbd" "$provider" "$n" "$dir/node$n" "$SOCKET" \
        "$(cat "$dir/port$n")" || die "node $n did not start again (log: $dir/node$n/server.log)"
    wait_synced "$dir" "$NODES"
}

# Cuts node N of DIR off the group, and waits until it is not ready.
isolate_node() {
    local dir=$1 n=$2 socket waited
    socket=$(cat "$dir/node$n/socket")
    admin "$socket" -e "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'"
    for ((waited = 0; ; waited++)); do
        [[ $(admin "$socket" -N -B -e "SHOW STATUS LIKE 'wsrep_ready'" | cut -f2) == OFF ]] && return
        ((waited < SYNC_TIMEOUT * 2)) || die "node $n is still ready ${SYNC_TIMEOUT}s after its isolation"
        sleep 0.5
    done
}

# Lets node N of DIR back into the group, and waits until all are Synced.
heal_node() {
    local dir=$1 n=$2
    admin "$(cat "$dir/node$n/socket")" -e "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'"
    wait_synced "$dir" "$NODES"
}

case ${1:-} in
kill | rejoin | isolate | heal)
    (($# == 3)) && [[ $3 =~ ^[1-9]$ ]] || usage
    dir=$(realpath -m -- "$2")
    [[ -s $dir/url ]] || die "$dir holds no cluster"
    "${1}_node" "$dir" "$3"
    ;;
*) servers_main "$@" ;;
esac
