# shellcheck shell=bash
# The single dev broker's commands (no --brokers, no --sasl-ssl): up, down, status, logs, tool, classpath.

kafka_up() {
  local addr="$KAFKA_ADVERTISED_HOST:$KAFKA_PORT" pid t0
  if kafka_ready "$KAFKA_PROBE_HOST" "$KAFKA_PORT"; then
    if pid="$(kafka_pid)"; then
      log "kafka already up on $addr (pid $pid)"
    else
      log "kafka already up on $addr (a broker this script did not start)"
    fi
    return 0
  fi

  need_java
  fetch_jars
  write_tools_log4j
  t0="$(now)"
  launch_broker
  await_broker "$LAUNCHED_PID" 1 $((t0 + KAFKA_START_TIMEOUT)) || {
    show_log_tail
    stop_pid "$LAUNCHED_PID" || true
    rm -f "$PID_FILE"
    return 1
  }
  log "kafka up on $addr (pid $LAUNCHED_PID, ready after $(($(now) - t0)) s)"
}

cmd_up() {
  lock
  local failed=0
  redis_up || failed=1
  postgres_up || failed=1
  # Not in a `||` list: errexit stays active inside kafka_up; a failure there ends the script.
  kafka_up
  if ((failed)); then
    warn "stack is NOT fully up"
    return 1
  fi
  log "all up: kafka $KAFKA_ADVERTISED_HOST:$KAFKA_PORT, redis $REDIS_HOST:$REDIS_PORT, postgres $PG_HOST:$PG_PORT"
}

cmd_down() {
  local purge=0 arg pid
  for arg in "$@"; do
    case "$arg" in
      --purge) purge=1 ;;
      *) die "unknown option for down: $arg (only --purge)" ;;
    esac
  done
  lock
  if pid="$(kafka_pid)"; then
    log "stopping kafka (pid $pid)"
    stop_pid "$pid" || die "could not stop kafka (pid $pid)"
    log "kafka stopped"
  elif kafka_ready "$KAFKA_PROBE_HOST" "$KAFKA_PORT"; then
    log "a broker answers on port $KAFKA_PORT but was not started by this script; leaving it alone"
  else
    log "kafka is not running"
  fi
  rm -f "$PID_FILE"
  if ((purge)); then
    rm -rf "$DATA_DIR"
    log "purged $DATA_DIR (a fresh cluster next time)"
  fi
  log "redis and postgres are left running (they belong to the machine)"
}

cmd_status() {
  local all=0 pid extra=""
  if kafka_ready "$KAFKA_PROBE_HOST" "$KAFKA_PORT"; then
    if pid="$(kafka_pid)"; then extra=" (pid $pid, kafka $KAFKA_VERSION)"; else extra=" (not started by stack.sh)"; fi
    printf 'kafka     up    %s%s\n' "$KAFKA_ADVERTISED_HOST:$KAFKA_PORT" "$extra"
  else
    if pid="$(kafka_pid)"; then extra=" (pid $pid running but not answering)"; fi
    printf 'kafka     down  %s%s\n' "$KAFKA_ADVERTISED_HOST:$KAFKA_PORT" "$extra"
    all=1
  fi
  datastores_status || all=1
  return "$all"
}

cmd_logs() {
  local follow=0 lines=100 arg
  for arg in "$@"; do
    case "$arg" in
      -f | --follow) follow=1 ;;
      '' | *[!0-9]*) die "usage: stack.sh logs [-f] [LINES]" ;;
      *) lines="$arg" ;;
    esac
  done
  [[ -f $KAFKA_LOG ]] || die "no broker log yet ($KAFKA_LOG); run 'bash scripts/stack.sh up' first"
  if ((follow)); then
    exec tail -n "$lines" -F "$KAFKA_LOG"
  fi
  tail -n "$lines" "$KAFKA_LOG"
}

cmd_tool() {
  [[ $# -ge 1 ]] || die "usage: stack.sh tool <main class> [args...], e.g. org.apache.kafka.tools.ProducerPerformance --help"
  need_java
  jars_present || ( lock; fetch_jars )
  write_tools_log4j
  kafka_java "$@"
}

cmd_classpath() {
  jars_present || ( lock; fetch_jars ) >&2
  echo "$CLASSPATH_GLOB"
}
