# shellcheck shell=bash
# The cluster (--brokers N, N >= 3): the same broker N times, each node with its own directory,
# ports and node id, all of them voters of the controller quorum.
# shellcheck disable=SC2034 # globals set here are read in the other parts (shellcheck -x scripts/stack.sh sees them all)

cluster_size_file() { echo "$CLUSTER_DIR/size"; }
valid_brokers() { [[ $1 =~ ^[0-9]$ ]] && (($1 == 1 || $1 >= 3)); }
valid_node() { [[ $1 =~ ^[0-9]$ ]] && (($1 >= 1 && $1 <= BROKERS)); }

# Selects node $1: every per-broker global (CONF, PID_FILE, logs, data, ports...) now means it.
use_node() {
  local n="$1" i voters=""
  local dir="$CLUSTER_DIR/broker-$n"
  BROKER_NAME="kafka-$n"
  NODE_ID="$n"
  KAFKA_PORT=$((CLUSTER_PORT + 2 * (n - 1)))
  KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 1))
  for ((i = 1; i <= BROKERS; i++)); do
    voters+="${voters:+,}$i@127.0.0.1:$((CLUSTER_PORT + 2 * (i - 1) + 1))"
  done
  QUORUM_VOTERS="$voters"
  CONF_TEMPLATE="$STACK_SRC/cluster.properties"
  CONF="$dir/server.properties"
  PID_FILE="$dir/kafka.pid"
  DATA_DIR="$dir/data"
  KAFKA_DATA_DIR="$DATA_DIR"
  LOG_DIR="$dir/logs"
  KAFKA_LOG="$LOG_DIR/kafka.log"
  KAFKA_OUT="$LOG_DIR/kafka.out"
  KAFKA_HEAP_OPTS="$CLUSTER_HEAP_OPTS"
  CLUSTER_ID_FILE="$CLUSTER_DIR/cluster.id"
  PORT_VAR=CLUSTER_PORT
}

cluster_bootstrap() {
  local i out=""
  for ((i = 1; i <= BROKERS; i++)); do out+="${out:+,}$KAFKA_ADVERTISED_HOST:$((CLUSTER_PORT + 2 * (i - 1)))"; done
  echo "$out"
}

# A cluster is formatted for one size: refuse to run it with another (its quorum would not match).
check_cluster_size() {
  local file size
  file="$(cluster_size_file)"
  [[ -f $file ]] || return 0
  size="$(cat "$file")"
  [[ $size == "$BROKERS" ]] ||
    die "the cluster in $CLUSTER_DIR was made with $size brokers: use --brokers $size, or 'down --brokers $size --purge' first"
}

# The cluster id (shared by every node) and size, made once.
cluster_prepare() {
  mkdir -p "$CLUSTER_DIR"
  check_cluster_size
  if [[ ! -s $CLUSTER_DIR/cluster.id ]]; then
    local id
    id="$(kafka_java_quick kafka.tools.StorageTool random-uuid)"
    [[ -n $id ]] || die "could not generate a KRaft cluster id"
    echo "$id" >"$CLUSTER_DIR/cluster.id"
  fi
  echo "$BROKERS" >"$(cluster_size_file)"
}

cluster_up() {
  local i t0 deadline failed=0 pid
  local -a pids=() fresh=()
  need_java
  # The jars are shared with the single broker: fetch them under its lock.
  jars_present || (LOCK_FILE="$STACK_DIR/.lock" && lock && fetch_jars)
  write_tools_log4j
  cluster_prepare
  t0="$(now)"
  deadline=$((t0 + KAFKA_START_TIMEOUT))
  # Every node first, then the wait: none answers before a majority of the quorum runs.
  for ((i = 1; i <= BROKERS; i++)); do
    use_node "$i"
    if kafka_ready "$KAFKA_PROBE_HOST" "$KAFKA_PORT" && pid="$(kafka_pid)"; then
      pids[i]="$pid"
      fresh[i]=0
      continue
    fi
    launch_broker
    pids[i]="$LAUNCHED_PID"
    fresh[i]=1
  done
  for ((i = 1; i <= BROKERS; i++)); do
    use_node "$i"
    if ! await_broker "${pids[i]}" "$BROKERS" "$deadline"; then
      show_log_tail
      failed=1
      break
    fi
  done
  if ((failed)); then
    # Stop what this call started; nodes that were running before are left alone.
    for ((i = 1; i <= BROKERS; i++)); do
      if [[ ${fresh[i]:-0} == 1 ]]; then
        use_node "$i"
        stop_pid "${pids[i]}" || true
        rm -f "$PID_FILE"
      fi
    done
    die "the $BROKERS-broker cluster did not come up (logs: $CLUSTER_DIR/broker-*/logs/kafka.log)"
  fi
  local started=""
  for ((i = 1; i <= BROKERS; i++)); do [[ ${fresh[i]} == 1 ]] && started+=" kafka-$i"; done
  if [[ -n $started ]]; then
    log "cluster up: $(cluster_bootstrap) (started:$started; ready after $(($(now) - t0)) s)"
  else
    log "cluster already up: $(cluster_bootstrap)"
  fi
}

cluster_cmd_up() {
  [[ $# -eq 0 ]] || die "unknown option for up: $1"
  lock
  local failed=0
  redis_up || failed=1
  postgres_up || failed=1
  cluster_up
  if ((failed)); then
    warn "stack is NOT fully up"
    return 1
  fi
  log "all up: kafka $(cluster_bootstrap), redis $REDIS_HOST:$REDIS_PORT, postgres $PG_HOST:$PG_PORT"
}

cluster_cmd_down() {
  local purge=0 kill=0 node="" i pid
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --purge) purge=1 ;;
      --kill) kill=1 ;;
      --node) node="${2:-}"; shift ;;
      --node=*) node="${1#--node=}" ;;
      *) die "unknown option for down: $1 (--node N, --kill, --purge)" ;;
    esac
    shift
  done
  if [[ -n $node ]]; then
    valid_node "$node" || die "--node must be 1..$BROKERS"
    ((purge == 0)) || die "--purge wipes the whole cluster: not with --node"
  fi
  lock
  check_cluster_size
  local -a stopping=()
  for ((i = 1; i <= BROKERS; i++)); do
    [[ -z $node || $node == "$i" ]] || continue
    use_node "$i"
    if pid="$(kafka_pid)"; then
      if ((kill)); then
        log "killing $BROKER_NAME (pid $pid) with SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      else
        log "stopping $BROKER_NAME (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
      fi
      stopping[i]="$pid"
    else
      log "$BROKER_NAME is not running"
      rm -f "$PID_FILE"
    fi
  done
  # All were signalled at once (a node shutting down alone waits for the others' quorum); now
  # wait for each, killing the ones that take too long.
  for i in "${!stopping[@]}"; do
    use_node "$i"
    stop_pid "${stopping[i]}" || die "could not stop $BROKER_NAME (pid ${stopping[i]})"
    rm -f "$PID_FILE"
    log "$BROKER_NAME stopped"
  done
  if ((purge)); then
    for ((i = 1; i <= BROKERS; i++)); do rm -rf "$CLUSTER_DIR/broker-$i/data"; done
    rm -f "$CLUSTER_DIR/cluster.id" "$(cluster_size_file)"
    log "purged the cluster's data in $CLUSTER_DIR (logs kept; a fresh cluster next time)"
  fi
}

cluster_cmd_status() {
  [[ $# -eq 0 ]] || die "unknown option for status: $1"
  local all=0 i pid extra
  for ((i = 1; i <= BROKERS; i++)); do
    use_node "$i"
    extra=""
    if kafka_ready "$KAFKA_PROBE_HOST" "$KAFKA_PORT"; then
      if pid="$(kafka_pid)"; then extra=" (pid $pid, kafka $KAFKA_VERSION)"; else extra=" (not started by stack.sh)"; fi
      if ! kafka_ready "$KAFKA_PROBE_HOST" "$KAFKA_PORT" "$BROKERS"; then
        extra+=", sees fewer than $BROKERS live brokers"
        all=1
      fi
      printf '%-9s up    %s%s\n' "$BROKER_NAME" "$KAFKA_ADVERTISED_HOST:$KAFKA_PORT" "$extra"
    else
      if pid="$(kafka_pid)"; then extra=" (pid $pid running but not answering)"; fi
      printf '%-9s down  %s%s\n' "$BROKER_NAME" "$KAFKA_ADVERTISED_HOST:$KAFKA_PORT" "$extra"
      all=1
    fi
  done
  datastores_status || all=1
  return "$all"
}

cluster_cmd_logs() {
  local follow=0 lines=100 node="" i
  local -a files=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      -f | --follow) follow=1 ;;
      --node) node="${2:-}"; shift ;;
      --node=*) node="${1#--node=}" ;;
      '' | *[!0-9]*) die "usage: stack.sh logs --brokers $BROKERS [--node N] [-f] [LINES]" ;;
      *) lines="$1" ;;
    esac
    shift
  done
  if [[ -n $node ]]; then
    valid_node "$node" || die "--node must be 1..$BROKERS"
  fi
  for ((i = 1; i <= BROKERS; i++)); do
    [[ -z $node || $node == "$i" ]] || continue
    use_node "$i"
    [[ -f $KAFKA_LOG ]] && files+=("$KAFKA_LOG")
  done
  ((${#files[@]} > 0)) || die "no cluster log yet; run 'bash scripts/stack.sh up --brokers $BROKERS' first"
  # With several files, tail names each one (==> path <==).
  if ((follow)); then
    exec tail -n "$lines" -F "${files[@]}"
  fi
  tail -n "$lines" "${files[@]}"
}
