#!/usr/bin/env bash
# A six-node Redis Cluster (three primaries, three replicas) from the installed redis-server, no Docker:
# what doms's cluster path is tested on, and what `npm run stack:up -- --redis-cluster` starts.
#
#   bash scripts/redis-cluster.sh up   [DIR] [FIRST_PORT]   # nodes on FIRST_PORT..FIRST_PORT+5 (default .stack/redis-cluster, 7001)
#   bash scripts/redis-cluster.sh down [DIR]                # stops the nodes this DIR's pid files name
#   bash scripts/redis-cluster.sh status [DIR]
#
# Each node keeps nodes.conf, its log and pid file in DIR/<port>. Nothing is persisted (no RDB, no AOF),
# as for the single-node Redis. cluster-node-timeout is 2 s, so a dead primary's replica takes over in
# a few seconds. The URL to give doms is printed; it names every node as a seed, so that a client
# starting while one node is down still finds the cluster.
set -euo pipefail
cmd=${1:-}
DIR=${2:-.stack/redis-cluster}
FIRST=${3:-7001}
NODE_TIMEOUT_MS=${REDIS_CLUSTER_NODE_TIMEOUT_MS:-2000}

die() { echo "redis-cluster: $*" >&2; exit 1; }
ports() { seq "$FIRST" $((FIRST + 5)); }
cli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }
# The ports of the nodes DIR knows, whatever port it was started on.
known_ports() { for d in "$DIR"/*/; do [[ -f $d/redis.pid ]] && basename "$d"; done; }

wait_until() { # <seconds> <what> <command...>
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what did not happen in time"
    sleep 0.2
  done
}

# Every node says the cluster is ok and sees three replicas (gossip tells the roles a little later), and
# every primary's replica is online.
cluster_ok() {
  local p
  for p in $(ports); do
    [[ $(cli "$p" cluster info | tr -d '\r' | sed -n 's/^cluster_state://p') == ok ]] || return 1
    [[ $(cli "$p" cluster nodes | grep -cE '[ ,]slave ') == 3 ]] || return 1
    # A primary's replica has finished its first sync (until then it acknowledges nothing).
    if cli "$p" info replication | grep -q '^role:master'; then cli "$p" info replication | grep -q 'state=online' || return 1; fi
  done
}

up() {
  command -v redis-server >/dev/null || die "redis-server is not installed (apt-get install redis-server)"
  ((FIRST + 5 + 10000 <= 65535)) || die "FIRST_PORT $FIRST leaves no room for the cluster bus ports (port + 10000)"
  local p
  for p in $(ports); do
    mkdir -p "$DIR/$p"
    if cli "$p" ping 2>/dev/null | grep -q PONG; then continue; fi
    redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$(realpath "$DIR/$p")/nodes.conf" \
      --cluster-node-timeout "$NODE_TIMEOUT_MS" --save '' --appendonly no --daemonize yes \
      --dir "$(realpath "$DIR/$p")" --logfile "$(realpath "$DIR/$p")/redis.log" --pidfile "$(realpath "$DIR/$p")/redis.pid"
  done
  for p in $(ports); do wait_until 10 "redis node $p answering" bash -c "redis-cli -p $p ping | grep -q PONG"; done
  if ! cluster_ok; then
    if [[ $(cli "$FIRST" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p') == 1 ]]; then
      # shellcheck disable=SC2046
      redis-cli --cluster create $(for p in $(ports); do printf '127.0.0.1:%s ' "$p"; done) --cluster-replicas 1 --cluster-yes >"$DIR/create.log" 2>&1 ||
        die "redis-cli --cluster create failed (see $DIR/create.log)"
    fi
    wait_until 30 "cluster_state:ok on every node" cluster_ok
  fi
  echo "redis-cluster: up, 3 primaries and 3 replicas on 127.0.0.1:$FIRST-$((FIRST + 5)); REDIS_URL=redis+cluster://$(ports | sed 's/^/127.0.0.1:/' | paste -sd,)"
}

down() {
  local p pid
  for p in $(known_ports); do
    pid=$(cat "$DIR/$p/redis.pid" 2>/dev/null || true)
    # A node a test froze (SIGSTOP) is woken first, or it could not act on the TERM.
    if [[ -n $pid ]]; then kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; fi
  done
  for p in $(known_ports); do
    pid=$(cat "$DIR/$p/redis.pid" 2>/dev/null || true)
    [[ -n $pid ]] && wait_until 10 "redis node $p stopping" bash -c "! kill -0 $pid"
    rm -f "$DIR/$p/redis.pid" "$DIR/$p/nodes.conf"
  done
  echo "redis-cluster: down"
}

status() {
  local p
  for p in $(known_ports); do
    printf '%s %s\n' "$p" "$(cli "$p" role 2>/dev/null | head -1 || echo down)"
  done
}

case $cmd in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: redis-cluster.sh up|down|status [DIR] [FIRST_PORT]" ;;
esac
