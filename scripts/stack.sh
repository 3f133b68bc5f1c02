#!/usr/bin/env bash
# Local dev stack for doms without Docker: a single-node Apache Kafka (KRaft, no ZooKeeper) run
# from jars fetched with Maven, plus checks (and, if needed, a start) of the machine's Redis and
# PostgreSQL.
#
#   bash scripts/stack.sh up              start whatever is down; wait until Kafka really answers
#   bash scripts/stack.sh down [--purge]  stop the broker this script started (--purge: wipe its data)
#   bash scripts/stack.sh status          one line per component; exit 0 only if all are up
#   bash scripts/stack.sh logs [-f] [N]   last N (100) lines of the broker log; -f follows it
#   bash scripts/stack.sh tool CLASS ...  run a Kafka tool class, e.g.
#                                         org.apache.kafka.tools.ProducerPerformance --help
#   bash scripts/stack.sh classpath       print the Kafka classpath (for `java -cp ...`)
#
# Three-broker cluster (--brokers 3), beside the single broker, for replication and failover:
#   bash scripts/stack.sh up --brokers 3                start the nodes that are down; wait until
#                                                       every node sees all three
#   bash scripts/stack.sh down --brokers 3 [--purge]    stop the cluster (--purge: wipe its data,
#                                                       keep the logs; --kill: SIGKILL, faster)
#   bash scripts/stack.sh down --brokers 3 --node N     stop node N (--kill: SIGKILL, a crash);
#                                                       `up --brokers 3` brings it back
#   bash scripts/stack.sh status --brokers 3            one line per node (+ redis, postgres)
#   bash scripts/stack.sh logs --brokers 3 [--node N] [-f] [LINES]
# Nodes are combined broker + controller, all three voters of the KRaft quorum; clients use
# KAFKA_BROKERS=localhost:19092,localhost:19094,localhost:19096 (controllers on 19093/19095/19097).
# Topics get replication factor 3 and min.insync.replicas 2 (stack/cluster.properties).
# Under $DOMS_STACK_DIR/cluster/: cluster.id, size, and per node broker-<N>/{server.properties,
# kafka.pid, data/, logs/kafka.log, logs/kafka.out, logs/gc.log}. Any N >= 3 works the same way.
#
# A SASL_SSL broker (--sasl-ssl), beside the single broker, for testing Kafka security:
#   bash scripts/stack.sh up --sasl-ssl                 start it (certificates made once with keytool)
#   bash scripts/stack.sh down --sasl-ssl [--purge]     stop it (--purge: wipe its data and certificates)
#   bash scripts/stack.sh status --sasl-ssl             one line; exit 0 only if it is up
#   bash scripts/stack.sh logs --sasl-ssl [-f] [LINES]
# One KRaft node with a SASL_SSL listener on localhost:29093 (SASL_SSL_PORT) taking PLAIN,
# SCRAM-SHA-256 and SCRAM-SHA-512 for the user doms, password doms-secret; its certificate is for
# localhost and 127.0.0.1, signed by a CA of its own: $DOMS_STACK_DIR/sasl-ssl/ssl/ca.pem. Clients:
#   KAFKA_BROKERS=localhost:29093 KAFKA_SSL=on KAFKA_SSL_CA=.stack/sasl-ssl/ssl/ca.pem
#   KAFKA_SASL_MECHANISM=scram-sha-256 KAFKA_SASL_USERNAME=doms KAFKA_SASL_PASSWORD=doms-secret
# It also listens in PLAINTEXT on 127.0.0.1:29092 (itself and the readiness probe; controller on
# 29094). Redis and PostgreSQL are not touched. Under $DOMS_STACK_DIR/sasl-ssl/: server.properties,
# kafka.pid, data/, logs/, ssl/ (CA, broker keystore and truststore, ca.pem, store password).
#
# A Redis Cluster (--redis-cluster), beside the single Redis, to run the saga on a cluster:
#   bash scripts/stack.sh up --redis-cluster            the usual stack, then six redis-server nodes
#   bash scripts/stack.sh down --redis-cluster          stop the cluster's nodes
#   bash scripts/stack.sh status --redis-cluster        one line per node (port, role)
# Three primaries and three replicas on 127.0.0.1:7001-7006 (REDIS_CLUSTER_PORT), node timeout 2 s,
# nothing persisted, under $DOMS_STACK_DIR/redis-cluster/. Clients (any nodes as seeds; name several,
# so that one being down does not stop a client from starting):
#   REDIS_URL=redis+cluster://127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003
#
# Everything downloaded or generated lives in $DOMS_STACK_DIR (default <repo>/.stack):
#   kafka-<version>/libs/   broker and tool jars        data/        KRaft log dirs
#   logs/kafka.log          broker log (log4j)           logs/kafka.out  JVM stdout/stderr
#   logs/gc.log             GC log                       kafka.pid    pid of the broker
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1), KAFKA_HOST (127.0.0.1),
# KAFKA_ADVERTISED_HOST (localhost), KAFKA_HEAP_OPTS (-Xms256m -Xmx512m), KAFKA_OPTS (extra JVM
# flags), KAFKA_START_TIMEOUT (90 s), REDIS_HOST/REDIS_PORT (127.0.0.1/6379),
# PG_HOST/PG_PORT (127.0.0.1/5432), DOMS_STACK_DIR, DOMS_JARS_DIR (where the Kafka jars are kept;
# DOMS_STACK_DIR); for the cluster: CLUSTER_PORT (19092, first node's client port; node N uses
# CLUSTER_PORT + 2(N-1) and the next port for its controller), CLUSTER_HEAP_OPTS (-Xms128m -Xmx384m
# per node); for the SASL_SSL broker: SASL_SSL_PORT (29093), SASL_SSL_HEAP_OPTS (-Xms64m -Xmx256m).
# shellcheck source-path=SCRIPTDIR # the parts below, in scripts/stack/, are checked with this file (-x)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The script's parts, by concern: settings.sh sets the globals; the others only define functions.
STACK_PARTS="$ROOT/scripts/stack"
# shellcheck source=stack/settings.sh
source "$STACK_PARTS/settings.sh"
# shellcheck source=stack/lib.sh
source "$STACK_PARTS/lib.sh"
# shellcheck source=stack/probes.sh
source "$STACK_PARTS/probes.sh"
# shellcheck source=stack/jars.sh
source "$STACK_PARTS/jars.sh"
# shellcheck source=stack/broker.sh
source "$STACK_PARTS/broker.sh"
# shellcheck source=stack/datastores.sh
source "$STACK_PARTS/datastores.sh"
# shellcheck source=stack/single.sh
source "$STACK_PARTS/single.sh"
# shellcheck source=stack/cluster.sh
source "$STACK_PARTS/cluster.sh"
# shellcheck source=stack/sasl-ssl.sh
source "$STACK_PARTS/sasl-ssl.sh"
# shellcheck source=stack/redis-cluster.sh
source "$STACK_PARTS/redis-cluster.sh"

# The help is this file's header: usage stays here, where BASH_SOURCE[0] is stack.sh.
usage() {
  sed -n '2,50p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  # up/down/status/logs take --brokers N anywhere among their options.
  local -a rest=()
  case "$cmd" in
    up | down | status | logs)
      while [[ $# -gt 0 ]]; do
        case "$1" in
          --brokers) BROKERS="${2:-}"; shift ;;
          --brokers=*) BROKERS="${1#--brokers=}" ;;
          --sasl-ssl) SASL_SSL=1 ;;
          --redis-cluster) REDIS_CLUSTER=1 ;;
          *) rest+=("$1") ;;
        esac
        shift
      done
      valid_brokers "$BROKERS" ||
        die "--brokers must be 1 (the single dev broker) or 3..9 (a cluster), not '$BROKERS'"
      set -- ${rest[@]+"${rest[@]}"}
      ;;
  esac
  if ((${REDIS_CLUSTER:-0})); then
    ((BROKERS == 1 && !SASL_SSL)) || die "--redis-cluster goes with the single broker: not with --brokers or --sasl-ssl"
    case "$cmd" in
      up) redis_cluster_cmd_up "$@" ;;
      down) redis_cluster_cmd_down "$@" ;;
      status) redis_cluster_cmd_status "$@" ;;
      logs) die "--redis-cluster: each node logs to $REDIS_CLUSTER_DIR/<port>/redis.log" ;;
    esac
    return
  fi
  if ((SASL_SSL)); then
    ((BROKERS == 1)) || die "--sasl-ssl is one broker of its own: not with --brokers"
    mkdir -p "$SASL_DIR"
    use_sasl_ssl
    case "$cmd" in
      up) sasl_cmd_up "$@" ;;
      down) sasl_cmd_down "$@" ;;
      status) sasl_cmd_status "$@" ;;
      logs) cmd_logs "$@" ;;
    esac
    return
  fi
  if ((BROKERS > 1)); then
    mkdir -p "$CLUSTER_DIR"
    LOCK_FILE="$CLUSTER_DIR/.lock"
    case "$cmd" in
      up) cluster_cmd_up "$@" ;;
      down) cluster_cmd_down "$@" ;;
      status) cluster_cmd_status "$@" ;;
      logs) cluster_cmd_logs "$@" ;;
    esac
    return
  fi
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    logs) cmd_logs "$@" ;;
    tool) cmd_tool "$@" ;;
    classpath) cmd_classpath "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
