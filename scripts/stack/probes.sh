# shellcheck shell=bash
# Probes (pure bash, no JVM start-up: milliseconds): is Kafka, Redis or PostgreSQL up and answering?
# shellcheck disable=SC2016 # single-quoted bash -c bodies are intended

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
