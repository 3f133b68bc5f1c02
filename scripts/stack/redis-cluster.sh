# shellcheck shell=bash
# A six-node Redis Cluster (--redis-cluster) beside the single Redis, for running the saga on a cluster:
# scripts/redis-cluster.sh does the work; this part puts it under the stack's folder and commands.

REDIS_CLUSTER_DIR="$STACK_DIR/redis-cluster"
REDIS_CLUSTER_PORT="${REDIS_CLUSTER_PORT:-7001}"

# `9>&-`: the nodes are daemons, which must not inherit (and hold) the stack's lock.
redis_cluster() { bash "$ROOT/scripts/redis-cluster.sh" "$1" "$REDIS_CLUSTER_DIR" "$REDIS_CLUSTER_PORT" 9>&-; }

# up --redis-cluster: the usual stack (Kafka, Redis, PostgreSQL), then the cluster.
redis_cluster_cmd_up() {
  cmd_up "$@"
  have redis-server || die "--redis-cluster needs redis-server: apt-get install -y redis-server"
  redis_cluster up | sed 's/^redis-cluster: /stack: redis cluster /'
}

redis_cluster_cmd_down() { redis_cluster down | sed 's/^redis-cluster: /stack: redis cluster /'; }

# One line per node (port, role); exit 1 when a node is down.
redis_cluster_cmd_status() {
  local out
  out="$(redis_cluster status)"
  [[ -n $out ]] || { echo "stack: redis cluster: not started (npm run stack:up -- --redis-cluster)"; return 1; }
  while read -r line; do echo "stack: redis cluster node $line"; done <<<"$out"
  ! grep -q ' down$' <<<"$out"
}
