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
# shellcheck disable=SC2016,SC2012 # single-quoted bash -c bodies are intended; ls of version dirs is fine
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_SRC="$ROOT/stack"
POM="$STACK_SRC/pom.xml"

STACK_DIR="${DOMS_STACK_DIR:-$ROOT/.stack}"
mkdir -p "$STACK_DIR"
STACK_DIR="$(cd "$STACK_DIR" && pwd)"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[[ -n $KAFKA_VERSION ]] || { echo "stack: cannot read <kafka.version> from $POM" >&2; exit 1; }
# The jars can live apart from the broker's data, so a second broker (the outage tests' own) shares them.
JARS_DIR="${DOMS_JARS_DIR:-$STACK_DIR}"
KAFKA_DIR="$JARS_DIR/kafka-$KAFKA_VERSION"
LIBS="$KAFKA_DIR/libs"
JARS_MARKER="$KAFKA_DIR/.complete"
CLASSPATH_GLOB="$LIBS/*"

DATA_DIR="$STACK_DIR/data"
KAFKA_DATA_DIR="$DATA_DIR/kraft-combined-logs"
LOG_DIR="$STACK_DIR/logs"
KAFKA_LOG="$LOG_DIR/kafka.log"
KAFKA_OUT="$LOG_DIR/kafka.out"
PID_FILE="$STACK_DIR/kafka.pid"
CONF="$STACK_DIR/server.properties"
TOOLS_LOG4J="$STACK_DIR/tools-log4j.properties"
LOCK_FILE="$STACK_DIR/.lock"
CONF_TEMPLATE="$STACK_SRC/server.properties"
# What the messages call the broker; the cluster's nodes are kafka-1, kafka-2, ...
BROKER_NAME=kafka
NODE_ID=1
QUORUM_VOTERS=""
CLUSTER_ID_FILE=""

KAFKA_HOST="${KAFKA_HOST:-127.0.0.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_ADVERTISED_HOST="${KAFKA_ADVERTISED_HOST:-localhost}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_OPTS="${KAFKA_OPTS:-}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"
CLUSTER_DIR="$STACK_DIR/cluster"
CLUSTER_PORT="${CLUSTER_PORT:-19092}"
CLUSTER_HEAP_OPTS="${CLUSTER_HEAP_OPTS:--Xms128m -Xmx384m}"
SASL_DIR="$STACK_DIR/sasl-ssl"
SASL_SSL_PORT="${SASL_SSL_PORT:-29093}"
SASL_SSL_HEAP_OPTS="${SASL_SSL_HEAP_OPTS:--Xms64m -Xmx256m}"
SASL_USER=doms
SASL_PASSWORD=doms-secret
# Set by `--sasl-ssl`; the template placeholders below are only in stack/sasl-ssl.properties.
SASL_SSL=0
SSL_DIR=""
SSL_STORE_PASSWORD=""
# The variable that moves the selected broker's port (for messages).
PORT_VAR=KAFKA_PORT
# Extra arguments to `kafka-storage format` (the SASL_SSL broker's SCRAM users).
FORMAT_ARGS=()
# Set by `--brokers N`: 1 is the single dev broker, 3 (or more) the cluster.
BROKERS=1
# Where the probes connect: the listen address, unless it listens on every interface.
case "$KAFKA_HOST" in 0.0.0.0 | '' | '::') KAFKA_PROBE_HOST=127.0.0.1 ;; *) KAFKA_PROBE_HOST="$KAFKA_HOST" ;; esac

REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
REDIS_PORT="${REDIS_PORT:-6379}"
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"

log() { echo "stack: $*"; }
warn() { echo "stack: $*" >&2; }
die() { warn "$*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
now() { date +%s; }
is_local() { case "$1" in 127.* | localhost | ::1 | '[::1]') return 0 ;; *) return 1 ;; esac; }

# ---------------------------------------------------------------------------------------------
# Probes (pure bash, no JVM start-up: milliseconds)

# 0 if something accepts TCP connections on host:port.
tcp_open() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# 0 if a Kafka broker on host:port answers a Metadata request (v4) listing at least one live
# broker (or at least $3). A KRaft broker only lists itself once it has registered with the
# controller and been unfenced, so this means "ready for clients and admin calls", not just
# "port open"; in a cluster it lists every unfenced node.
kafka_ready() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    # size=20 | api_key=3 (Metadata) | api_version=4 | correlation_id="doms" | client_id="stack"
    # | topics=[] (none: brokers only) | allow_auto_topic_creation=false
    printf "\x00\x00\x00\x14\x00\x03\x00\x04doms\x00\x05stack\x00\x00\x00\x00\x00" >&3
    # response: size(4) correlation_id(4) throttle_time_ms(4) broker_count(4)
    resp="$(head -c 16 <&3 | od -An -v -tx1 | tr -d " \n")"
    [[ ${resp:8:8} == 646f6d73 ]] || exit 1
    (( 16#${resp:24:8} >= $2 ))
  ' "$1" "$2" "${3:-1}" 2>/dev/null
}

redis_ready() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "PING\r\n" >&3
    IFS= read -r line <&3 || exit 1
    # A Redis with a password still answers (with -NOAUTH): it is up.
    [[ $line == +PONG* || $line == -NOAUTH* ]]
  ' "$1" "$2" 2>/dev/null
}

postgres_ready() {
  if have pg_isready; then
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3 >/dev/null 2>&1
  else
    tcp_open "$PG_HOST" "$PG_PORT"
  fi
}

# ---------------------------------------------------------------------------------------------
# Broker process bookkeeping

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

# ---------------------------------------------------------------------------------------------
# Kafka set-up

need_java() {
  have java || die "java not found: Kafka needs a Java 17+ runtime (Debian: apt-get install -y openjdk-17-jre-headless)"
}

jars_present() {
  [[ -f $JARS_MARKER && "$(cat "$JARS_MARKER")" == "$(pom_digest)" ]] &&
    compgen -G "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null
}

pom_digest() { cksum <"$POM" | cut -d' ' -f1; }

fetch_jars() {
  jars_present && return 0
  have mvn || die "mvn not found: it fetches the Kafka jars once (Debian: apt-get install -y maven)"
  log "fetching Kafka $KAFKA_VERSION jars with Maven into $LIBS (first time only; may take a few minutes)"
  local tmp="$KAFKA_DIR/libs.partial" t0
  t0="$(now)"
  rm -rf "$tmp" "$JARS_MARKER"
  mkdir -p "$KAFKA_DIR"
  # (Debian's Maven 3.8 prints stray colour resets even in batch mode: strip them.)
  if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" </dev/null 2>&1 |
      sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; then
    rm -rf "$tmp"
    die "Maven could not fetch the Kafka jars (see its output above); run 'bash scripts/stack.sh up' again to retry"
  fi
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  pom_digest >"$JARS_MARKER"
  log "fetched $(find "$LIBS" -name '*.jar' | wc -l) jars in $(($(now) - t0)) s"
}

write_tools_log4j() {
  cat >"$TOOLS_LOG4J" <<'EOF'
# Generated by scripts/stack.sh: logging for Kafka command line tools (warnings to stderr).
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

# java with the Kafka classpath and quiet tool logging (KAFKA_TOOL_HEAP_OPTS, default -Xmx512m).
kafka_java() {
  local -a heap
  read -r -a heap <<<"${KAFKA_TOOL_HEAP_OPTS:--Xmx512m}"
  java ${heap[@]+"${heap[@]}"} -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$TOOLS_LOG4J" -cp "$CLASSPATH_GLOB" "$@"
}

# The same for short admin commands: start fast, no JIT warm-up wanted.
kafka_java_quick() {
  KAFKA_TOOL_HEAP_OPTS="-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto" kafka_java "$@"
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

# ---------------------------------------------------------------------------------------------
# Redis and PostgreSQL belong to the machine: start them if they are installed but down.

redis_up() {
  local addr="$REDIS_HOST:$REDIS_PORT" i
  if redis_ready "$REDIS_HOST" "$REDIS_PORT"; then
    log "redis already up on $addr"
    return 0
  fi
  if ! is_local "$REDIS_HOST"; then
    warn "redis is down at $addr (not a local address, so not starting it)"
    return 1
  fi
  if ! have redis-server; then
    warn "redis is down at $addr and redis-server is not installed: apt-get install -y redis-server (or run Redis elsewhere and set REDIS_HOST/REDIS_PORT)"
    return 1
  fi
  log "starting redis on $addr"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
    --appendonly yes --appendfsync everysec --dir /var/lib/redis --logfile /var/log/redis/ci.log </dev/null >/dev/null 9>&- ||
    { warn "redis-server failed to start (see /var/log/redis/ci.log)"; return 1; }
  for ((i = 0; i < 40; i++)); do
    if redis_ready "$REDIS_HOST" "$REDIS_PORT"; then log "redis up on $addr"; return 0; fi
    sleep 0.25
  done
  warn "redis did not answer on $addr after start (see /var/log/redis/ci.log)"
  return 1
}

postgres_up() {
  local addr="$PG_HOST:$PG_PORT" version i
  if postgres_ready; then
    log "postgres already up on $addr"
    return 0
  fi
  if ! is_local "$PG_HOST"; then
    warn "postgres is down at $addr (not a local address, so not starting it)"
    return 1
  fi
  if ! have pg_ctlcluster || [[ ! -d /etc/postgresql ]] || [[ -z "$(ls /etc/postgresql 2>/dev/null)" ]]; then
    warn "postgres is down at $addr and PostgreSQL is not installed: apt-get install -y postgresql (or run it elsewhere and set PG_HOST/PG_PORT and DATABASE_URL)"
    return 1
  fi
  version="$(ls /etc/postgresql | sort -V | tail -n1)"
  log "starting postgres $version on $addr"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start </dev/null 9>&- ||
    { warn "pg_ctlcluster $version main start failed"; return 1; }
  for ((i = 0; i < 120; i++)); do
    if postgres_ready; then log "postgres up on $addr"; return 0; fi
    sleep 0.25
  done
  warn "postgres did not accept connections on $addr after start"
  return 1
}

# ---------------------------------------------------------------------------------------------
# Commands

# Serialises up/down (and the one-off jar download). Children started while it is held get
# `9>&-` so that a long-lived broker or daemon never inherits the lock.
lock() {
  exec 9>"$LOCK_FILE"
  if have flock; then
    flock -w 300 9 || die "another 'stack.sh' is still busy (lock $LOCK_FILE)"
  fi
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

# One status line each for Redis and PostgreSQL; returns 1 if either is down.
datastores_status() {
  local down=0
  if redis_ready "$REDIS_HOST" "$REDIS_PORT"; then
    printf 'redis     up    %s\n' "$REDIS_HOST:$REDIS_PORT"
  else
    printf 'redis     down  %s\n' "$REDIS_HOST:$REDIS_PORT"
    down=1
  fi
  if postgres_ready; then
    printf 'postgres  up    %s\n' "$PG_HOST:$PG_PORT"
  else
    printf 'postgres  down  %s\n' "$PG_HOST:$PG_PORT"
    down=1
  fi
  return "$down"
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

# ---------------------------------------------------------------------------------------------
# The cluster (--brokers N, N >= 3): the same broker N times, each node with its own directory,
# ports and node id, all of them voters of the controller quorum.

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

# ---------------------------------------------------------------------------------------------
# The SASL_SSL broker (--sasl-ssl): one more single node, with its own directory and ports, a
# SASL_SSL listener and certificates made with the JDK's keytool.

# Selects the SASL_SSL broker: every per-broker global now means it.
use_sasl_ssl() {
  BROKER_NAME="kafka-sasl-ssl"
  NODE_ID=1
  KAFKA_PORT=$((SASL_SSL_PORT - 1))
  KAFKA_CONTROLLER_PORT=$((SASL_SSL_PORT + 1))
  KAFKA_PROBE_HOST=127.0.0.1
  CONF_TEMPLATE="$STACK_SRC/sasl-ssl.properties"
  CONF="$SASL_DIR/server.properties"
  PID_FILE="$SASL_DIR/kafka.pid"
  DATA_DIR="$SASL_DIR/data"
  KAFKA_DATA_DIR="$DATA_DIR"
  LOG_DIR="$SASL_DIR/logs"
  KAFKA_LOG="$LOG_DIR/kafka.log"
  KAFKA_OUT="$LOG_DIR/kafka.out"
  KAFKA_HEAP_OPTS="$SASL_SSL_HEAP_OPTS"
  SSL_DIR="$SASL_DIR/ssl"
  PORT_VAR=SASL_SSL_PORT
  FORMAT_ARGS=(
    --add-scram "SCRAM-SHA-256=[name=$SASL_USER,password=$SASL_PASSWORD]"
    --add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$SASL_PASSWORD]"
  )
  LOCK_FILE="$SASL_DIR/.lock"
}

# keytool, started for a short job (no JIT warm-up wanted).
keytool_quick() {
  keytool -J-XX:+UseSerialGC -J-XX:TieredStopAtLevel=1 -J-Xshare:auto "$@"
}

# A CA, and a broker key pair whose certificate (for localhost and 127.0.0.1) the CA signs; the
# CA's certificate as PEM (ca.pem) for clients. Made once; kept until `down --sasl-ssl --purge`.
sasl_make_certs() {
  if [[ -s $SSL_DIR/ca.pem && -s $SSL_DIR/broker.keystore.p12 && -s $SSL_DIR/broker.truststore.p12 && -s $SSL_DIR/store-password ]]; then
    SSL_STORE_PASSWORD="$(cat "$SSL_DIR/store-password")"
    return 0
  fi
  have keytool || die "keytool not found: it comes with the JDK (Debian: apt-get install -y openjdk-17-jdk-headless)"
  log "making a CA and the broker's certificate with keytool in $SSL_DIR"
  local tmp="$SSL_DIR.partial" pw san="SAN=dns:localhost,ip:127.0.0.1"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  chmod 700 "$tmp"
  pw="$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
  printf '%s' "$pw" >"$tmp/store-password"
  # Each step's output goes to a log shown only when a step fails.
  kt() {
    keytool_quick "$@" >>"$tmp/keytool.log" 2>&1 && return 0
    cat "$tmp/keytool.log" >&2
    rm -rf "$tmp"
    die "keytool could not make the certificates (its output is above)"
  }
  kt -genkeypair -noprompt -alias ca -keyalg RSA -keysize 2048 -validity 3650 \
    -dname "CN=doms stack CA" -ext bc:c -keystore "$tmp/ca.p12" -storetype PKCS12 -storepass "$pw"
  kt -exportcert -rfc -alias ca -keystore "$tmp/ca.p12" -storepass "$pw" -file "$tmp/ca.pem"
  kt -genkeypair -noprompt -alias broker -keyalg RSA -keysize 2048 -validity 3650 \
    -dname "CN=localhost" -ext "$san" -keystore "$tmp/broker.keystore.p12" -storetype PKCS12 -storepass "$pw"
  kt -certreq -alias broker -keystore "$tmp/broker.keystore.p12" -storepass "$pw" -file "$tmp/broker.csr"
  kt -gencert -rfc -alias ca -keystore "$tmp/ca.p12" -storepass "$pw" -validity 3650 \
    -ext "$san" -ext ku:c=digitalSignature,keyEncipherment -ext eku=serverAuth \
    -infile "$tmp/broker.csr" -outfile "$tmp/broker.pem"
  # The CA first, so the CA-signed certificate can replace the self-signed one with its chain.
  kt -importcert -noprompt -alias ca -file "$tmp/ca.pem" -keystore "$tmp/broker.keystore.p12" -storepass "$pw"
  kt -importcert -noprompt -alias broker -file "$tmp/broker.pem" -keystore "$tmp/broker.keystore.p12" -storepass "$pw"
  kt -importcert -noprompt -alias ca -file "$tmp/ca.pem" -keystore "$tmp/broker.truststore.p12" \
    -storetype PKCS12 -storepass "$pw"
  rm -f "$tmp/broker.csr" "$tmp/keytool.log"
  rm -rf "$SSL_DIR"
  mv "$tmp" "$SSL_DIR"
  SSL_STORE_PASSWORD="$pw"
}

sasl_cmd_up() {
  [[ $# -eq 0 ]] || die "unknown option for up --sasl-ssl: $1"
  lock
  local t0 pid addr="$KAFKA_ADVERTISED_HOST:$SASL_SSL_PORT"
  if kafka_ready "$KAFKA_PROBE_HOST" "$KAFKA_PORT" && tcp_open "$KAFKA_PROBE_HOST" "$SASL_SSL_PORT"; then
    if pid="$(kafka_pid)"; then log "$BROKER_NAME already up on $addr (pid $pid)"; else log "$BROKER_NAME already up on $addr (a broker this script did not start)"; fi
    return 0
  fi
  need_java
  # The jars are shared with the single broker: fetch them under its lock.
  jars_present || (LOCK_FILE="$STACK_DIR/.lock" && lock && fetch_jars)
  write_tools_log4j
  mkdir -p "$SASL_DIR"
  sasl_make_certs
  t0="$(now)"
  launch_broker
  if ! await_broker "$LAUNCHED_PID" 1 $((t0 + KAFKA_START_TIMEOUT)); then
    show_log_tail
    stop_pid "$LAUNCHED_PID" || true
    rm -f "$PID_FILE"
    die "$BROKER_NAME did not come up (log: $KAFKA_LOG)"
  fi
  # Every listener opens with the broker; check the SASL_SSL one all the same.
  tcp_open "$KAFKA_PROBE_HOST" "$SASL_SSL_PORT" || die "$BROKER_NAME answers on $KAFKA_PORT but not on its SASL_SSL port $SASL_SSL_PORT"
  log "$BROKER_NAME up on $addr (pid $LAUNCHED_PID, ready after $(($(now) - t0)) s); CA: $SSL_DIR/ca.pem, user $SASL_USER"
}

sasl_cmd_down() {
  local purge=0 arg pid
  for arg in "$@"; do
    case "$arg" in
      --purge) purge=1 ;;
      *) die "unknown option for down --sasl-ssl: $arg (only --purge)" ;;
    esac
  done
  lock
  if pid="$(kafka_pid)"; then
    log "stopping $BROKER_NAME (pid $pid)"
    stop_pid "$pid" || die "could not stop $BROKER_NAME (pid $pid)"
    log "$BROKER_NAME stopped"
  else
    log "$BROKER_NAME is not running"
  fi
  rm -f "$PID_FILE"
  if ((purge)); then
    rm -rf "$DATA_DIR" "$SSL_DIR"
    log "purged $DATA_DIR and $SSL_DIR (new users and certificates next time)"
  fi
}

sasl_cmd_status() {
  [[ $# -eq 0 ]] || die "unknown option for status --sasl-ssl: $1"
  local pid extra=""
  if kafka_ready "$KAFKA_PROBE_HOST" "$KAFKA_PORT" && tcp_open "$KAFKA_PROBE_HOST" "$SASL_SSL_PORT"; then
    if pid="$(kafka_pid)"; then extra=" (pid $pid, kafka $KAFKA_VERSION, CA $SSL_DIR/ca.pem)"; else extra=" (not started by stack.sh)"; fi
    printf '%-15s up    %s%s\n' "$BROKER_NAME" "$KAFKA_ADVERTISED_HOST:$SASL_SSL_PORT" "$extra"
    return 0
  fi
  if pid="$(kafka_pid)"; then extra=" (pid $pid running but not answering)"; fi
  printf '%-15s down  %s%s\n' "$BROKER_NAME" "$KAFKA_ADVERTISED_HOST:$SASL_SSL_PORT" "$extra"
  return 1
}

usage() {
  sed -n '2,42p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
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
          *) rest+=("$1") ;;
        esac
        shift
      done
      valid_brokers "$BROKERS" ||
        die "--brokers must be 1 (the single dev broker) or 3..9 (a cluster), not '$BROKERS'"
      set -- ${rest[@]+"${rest[@]}"}
      ;;
  esac
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
