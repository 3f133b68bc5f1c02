# shellcheck shell=bash
# The SASL_SSL broker (--sasl-ssl): one more single node, with its own directory and ports, a
# SASL_SSL listener and certificates made with the JDK's keytool.
# shellcheck disable=SC2034,SC2153 # globals set here are read in the other parts; SASL_DIR comes from settings.sh

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
