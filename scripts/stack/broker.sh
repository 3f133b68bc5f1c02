# shellcheck shell=bash
# One broker's life, whichever is selected (the single broker by default, a cluster node after
# use_node, the SASL_SSL broker after use_sasl_ssl): finding its process, its configuration and
# storage, starting it, waiting for it to answer, stopping it.
# shellcheck disable=SC2016 # the single-quoted bash -c body is intended
# shellcheck disable=SC2034 # globals set here are read in the other parts (shellcheck -x scripts/stack.sh sees them all)

# Is $1 a live process running our broker (kafka.Kafka with our server.properties)?
is_our_kafka() {
  local pid="$1" cmd
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ $cmd == *" kafka.Kafka $CONF"* ]]
}

# Pid of our broker: from the pid file, else by looking for its exact command line.
kafka_pid() {
  local pid f
  if [[ -f $PID_FILE ]]; then
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if is_our_kafka "$pid"; then echo "$pid"; return 0; fi
  fi
  # Candidates: processes whose command line mentions our server.properties (one grep, no loop of forks).
  while IFS= read -r f; do
    pid="${f#/proc/}"; pid="${pid%/cmdline}"
    if is_our_kafka "$pid"; then echo "$pid"; return 0; fi
  done < <(grep -lsaF -- "$CONF" /proc/[0-9]*/cmdline 2>/dev/null || true)
  return 1
}

render_config() {
  local tmp="$CONF.tmp"
  sed -e "s|@KAFKA_HOST@|$KAFKA_HOST|g" \
      -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
      -e "s|@KAFKA_ADVERTISED_HOST@|$KAFKA_ADVERTISED_HOST|g" \
      -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@KAFKA_DATA_DIR@|$KAFKA_DATA_DIR|g" \
      -e "s|@NODE_ID@|$NODE_ID|g" \
      -e "s|@QUORUM_VOTERS@|$QUORUM_VOTERS|g" \
      -e "s|@SASL_SSL_PORT@|$SASL_SSL_PORT|g" \
      -e "s|@SSL_DIR@|$SSL_DIR|g" \
      -e "s|@SSL_STORE_PASSWORD@|$SSL_STORE_PASSWORD|g" \
      -e "s|@SASL_USER@|$SASL_USER|g" \
      -e "s|@SASL_PASSWORD@|$SASL_PASSWORD|g" \
      "$CONF_TEMPLATE" >"$tmp"
  mv "$tmp" "$CONF"
}

format_storage() {
  [[ -f $KAFKA_DATA_DIR/meta.properties ]] && return 0
  mkdir -p "$KAFKA_DATA_DIR"
  local cluster_id
  # The nodes of a cluster share one id, made once (cluster_prepare).
  if [[ -n $CLUSTER_ID_FILE ]]; then
    cluster_id="$(cat "$CLUSTER_ID_FILE")"
  else
    cluster_id="$(kafka_java_quick kafka.tools.StorageTool random-uuid)"
  fi
  [[ -n $cluster_id ]] || die "could not generate a KRaft cluster id"
  log "formatting KRaft storage in $KAFKA_DATA_DIR (cluster id $cluster_id)"
  kafka_java_quick kafka.tools.StorageTool format -t "$cluster_id" -c "$CONF" ${FORMAT_ARGS[@]+"${FORMAT_ARGS[@]}"} >/dev/null ||
    die "formatting the KRaft storage failed; try 'bash scripts/stack.sh down --purge' and up again"
}

show_log_tail() {
  if [[ -s $KAFKA_LOG ]]; then
    warn "last 40 lines of $KAFKA_LOG:"
    tail -n 40 "$KAFKA_LOG" >&2
  fi
  if [[ -s $KAFKA_OUT ]]; then
    warn "last 40 lines of $KAFKA_OUT:"
    tail -n 40 "$KAFKA_OUT" >&2
  fi
}

stop_pid() { # pid → 0 once gone
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < KAFKA_STOP_TIMEOUT * 4; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  warn "broker (pid $pid) did not stop within ${KAFKA_STOP_TIMEOUT} s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.25
  done
  return 1
}


# Starts the selected broker (CONF, PID_FILE, ports...: see use_node) unless it runs already, and
# sets LAUNCHED_PID; does not wait for it to answer.
launch_broker() {
  local addr="$KAFKA_ADVERTISED_HOST:$KAFKA_PORT" pid i
  mkdir -p "$LOG_DIR" "$DATA_DIR"
  render_config
  if pid="$(kafka_pid)"; then
    log "$BROKER_NAME (pid $pid) is running but not answering yet; waiting for it"
    LAUNCHED_PID="$pid"
    return 0
  fi
  if tcp_open "$KAFKA_PROBE_HOST" "$KAFKA_PORT"; then
    die "port $KAFKA_PORT is taken by something that is not a Kafka broker; stop it or set $PORT_VAR"
  fi
  format_storage
  log "starting $BROKER_NAME $KAFKA_VERSION on $addr (logs: $KAFKA_LOG)"
  local -a jvm_opts heap_opts extra_opts
  read -r -a heap_opts <<<"$KAFKA_HEAP_OPTS"
  read -r -a extra_opts <<<"$KAFKA_OPTS"
  jvm_opts=(
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
    -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true
    "-Xlog:gc*:file=$LOG_DIR/gc.log:time,tags:filecount=3,filesize=10M"
    "-Dkafka.logs.dir=$LOG_DIR" "-Dlog4j.configuration=file:$STACK_SRC/log4j.properties"
  )
  {
    echo "=== $(date '+%F %T') starting $BROKER_NAME $KAFKA_VERSION"
  } >>"$KAFKA_OUT"
  rm -f "$PID_FILE"
  # setsid + nohup: the broker outlives this shell, its terminal and its process group.
  # The inner bash records its own pid and then becomes java (exec), so the pid file is java's.
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    java "${heap_opts[@]}" "${jvm_opts[@]}" ${extra_opts[@]+"${extra_opts[@]}"} \
    -cp "$CLASSPATH_GLOB" kafka.Kafka "$CONF" \
    </dev/null >>"$KAFKA_OUT" 2>&1 9>&- &
  for ((i = 0; i < 20; i++)); do
    [[ -s $PID_FILE ]] && break
    sleep 0.1
  done
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ -n $pid ]] || die "could not start java (no pid recorded)"
  LAUNCHED_PID="$pid"
}

# Waits until the selected broker (pid $1) answers listing at least $2 live brokers, or until the
# epoch second $3. 1 (with the reason on stderr) if it exits or the time is up.
await_broker() {
  local pid="$1" min="$2" deadline="$3"
  while :; do
    kafka_ready "$KAFKA_PROBE_HOST" "$KAFKA_PORT" "$min" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      warn "$BROKER_NAME exited during start-up"
      return 1
    fi
    if (($(now) >= deadline)); then
      local what="answer"
      ((min > 1)) && what="list all $min brokers"
      warn "$BROKER_NAME did not $what on $KAFKA_ADVERTISED_HOST:$KAFKA_PORT in time; stopping it (pid $pid)"
      return 1
    fi
    sleep 0.5
  done
}
