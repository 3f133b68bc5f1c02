#!/usr/bin/env bash
# Closed-loop intake, doms against the original Spring Boot system, side by side on this machine:
# POST /orders over 32 keep-alive connections with the saga running, measured with wrk (an
# established open-source HTTP benchmark, Debian package `wrk`), the same body and settings for
# both, alternating doms, original, doms, original, … Prints requests/s, p50/p99, non-2xx
# answers and socket errors per run, the machine's load, and the ratio doms ÷ original.
#
#   bash scripts/intake-vs-original.sh [--duration 25] [--warmup 120] [--rounds 2]
#                                      [--connections 32] [--threads 2]
#
# What it expects (and does not start):
#   - doms's own infrastructure: Kafka on localhost:9092 (`npm run stack:up`), Redis on
#     127.0.0.1:6379, PostgreSQL on 127.0.0.1:5432 (user postgres, no password); never stopped.
#   - doms built (`npm install` / `npm run build`: dist/), wrk (`apt-get install -y wrk`),
#     java 17, redis-server, redis-cli, psql/createdb/dropdb.
#   - the original's four jars, built unchanged from GitHub AbhashK1/Distributed-Order-Management-System:
#       git clone https://github.com/AbhashK1/Distributed-Order-Management-System .stack/original/src
#       for s in order inventory payment notification; do
#         (cd .stack/original/src/$s-service && mvn -q -DskipTests package); done
#     (ORIG_SRC; the script builds a missing jar itself with Maven if the source is there).
#   - the Kafka jars doms's stack fetched (KAFKA_LIBS, default the first of .stack/kafka-*/libs
#     here or in ../main/.stack/).
#
# What it starts, and stops again on exit (trap; Ctrl-C included), by the pids it started:
#   - for the original: a single-node KRaft broker of its own on 127.0.0.1:29092 (controller
#     29093; data and logs under ORIG_DIR/run/, wiped at start; auto-created topics with one
#     partition, as the original's compose broker had), a Redis of its own on 16379 (nothing
#     persisted), a database `orig` (dropped at start if left over, and at exit), and its four
#     services with -Xmx512m (order on 18081, the others 18082..18084), configured by
#     command-line overrides only (the source stays untouched; its own settings, show-sql
#     included, are kept);
#   - for doms: `doms run order|inventory|payment|notification` as four processes, topic prefix
#     `intakecmp.` (its topics, consumer groups and Redis keys `intakecmp.doms:*` are deleted at
#     exit), database `doms_intake` (dropped at start if left over, and at exit), order API on 18181.
# Stock: both get 1,000,000,000 units of the one product ordered, so no order is refused.
#
# Each system is warmed up (WARMUP s of the same load, not counted), then the measured windows
# alternate. The original's JVM keeps speeding up for minutes on a busy 2-core machine: measured
# here after 30 s of warm-up its windows went 1,165 → 1,654 req/s (and after 60 s, 1,224 → 1,482 →
# 2,502), so the default warm-up is 120 s each; with less the ratio flatters doms.
# Before each window the script waits (up to SETTLE_MAX s) for the machine to calm down (CPU
# busy below SETTLE_BUSY %), so that one system's saga still working off its backlog does not
# run in the other's window; the wait, the machine's busy share (of both cores) and each system's processes' share (of one
# core; doms's share of the shared broker, PostgreSQL and Redis is in neither) are printed.
# A window with any non-2xx answer or socket error is marked INVALID and left out of the ratio.
# As a cross-check every window also counts the orders its database gained (at most `connections` more than the answers wrk counted:
# requests still in flight when wrk stops).
#
# Environment (defaults): ORIG_DIR (.stack/original), ORIG_SRC (ORIG_DIR/src), ORIG_KAFKA_PORT
# (29092), ORIG_CONTROLLER_PORT (29093), ORIG_REDIS_PORT (16379), ORIG_PORT (18081, the other
# three services the next three ports), ORIG_DB (orig), DOMS_PORT (18181), DOMS_DB (doms_intake),
# DOMS_PREFIX (intakecmp.), KAFKA_BROKERS (localhost:9092), REDIS_URL (redis://127.0.0.1:6379),
# PG_HOST/PG_PORT/PG_USER (127.0.0.1/5432/postgres), SETTLE_BUSY (30), SETTLE_MAX (180).
# Every process's log, wrk's full output per window and summary.txt stay in ORIG_DIR/run/ until
# the next start. Note: `stack.sh up --sasl-ssl` uses 29092/29093 too; this script refuses to
# start while they are taken (set ORIG_KAFKA_PORT/ORIG_CONTROLLER_PORT).
#
# Why wrk: a C client (little CPU taken from the two cores the systems share, unlike a Node.js
# client), HTTP/1.1 keep-alive by default, a Lua hook for the POST body and a done() hook that
# prints the exact request count, percentiles and the non-2xx (status > 399) and socket error
# counts; a 3xx or 1xx, which neither system sends, would show in the database cross-check.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

DURATION=25 WARMUP=120 ROUNDS=2 CONNECTIONS=32 THREADS=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --rounds) ROUNDS="$2"; shift ;;
    --connections) CONNECTIONS="$2"; shift ;;
    --threads) THREADS="$2"; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "intake-vs-original: unknown argument '$1' (--help)" >&2; exit 2 ;;
  esac
  shift
done

ORIG_DIR="${ORIG_DIR:-$ROOT/.stack/original}"
ORIG_SRC="${ORIG_SRC:-$ORIG_DIR/src}"
RUN="$ORIG_DIR/run"
ORIG_KAFKA_PORT="${ORIG_KAFKA_PORT:-29092}"
ORIG_CONTROLLER_PORT="${ORIG_CONTROLLER_PORT:-29093}"
ORIG_REDIS_PORT="${ORIG_REDIS_PORT:-16379}"
ORIG_PORT="${ORIG_PORT:-18081}"
ORIG_DB="${ORIG_DB:-orig}"
DOMS_PORT="${DOMS_PORT:-18181}"
DOMS_DB="${DOMS_DB:-doms_intake}"
DOMS_PREFIX="${DOMS_PREFIX:-intakecmp.}"
KAFKA_BROKERS="${KAFKA_BROKERS:-localhost:9092}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
PG_HOST="${PG_HOST:-127.0.0.1}" PG_PORT="${PG_PORT:-5432}" PG_USER="${PG_USER:-postgres}"
SETTLE_BUSY="${SETTLE_BUSY:-30}" SETTLE_MAX="${SETTLE_MAX:-180}"
KAFKA_LIBS="${KAFKA_LIBS:-$(ls -d "$ROOT"/.stack/kafka-*/libs "$ROOT"/../main/.stack/kafka-*/libs 2>/dev/null | head -n 1 || true)}"

USER_ID=11111111-1111-1111-1111-111111111111
PRODUCT=aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa
STOCK=1000000000
# The original's body shape (its README and web page), which doms accepts as it is.
BODY="{\"userId\":\"$USER_ID\",\"amount\":10.5,\"items\":{\"$PRODUCT\":1}}"

log() { printf '[%s] %s\n' "$(date -u +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
psql_q() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -X -qAt "$@"; }

# ---------------------------------------------------------------- checks
for c in wrk java node redis-server redis-cli psql createdb dropdb; do
  have "$c" || die "$c not found (wrk: apt-get install -y wrk)"
done
[[ -f $ROOT/dist/cli/main.js ]] || die "doms is not built: npm run build"
[[ -n $KAFKA_LIBS && -d $KAFKA_LIBS ]] || die "no Kafka jars: set KAFKA_LIBS (npm run stack:up fetches them)"
port_open "${KAFKA_BROKERS##*:}" || die "doms's Kafka (${KAFKA_BROKERS}) is not up: npm run stack:up"
port_open 6379 || die "Redis on 6379 is not up"
port_open "$PG_PORT" || die "PostgreSQL on $PG_PORT is not up"
for p in "$ORIG_KAFKA_PORT" "$ORIG_CONTROLLER_PORT" "$ORIG_REDIS_PORT" "$ORIG_PORT" \
  $((ORIG_PORT + 1)) $((ORIG_PORT + 2)) $((ORIG_PORT + 3)) "$DOMS_PORT"; do
  port_open "$p" && die "port $p is taken; this script needs it free (see the environment in --help)"
done
SERVICES=(order inventory payment notification)
for s in "${SERVICES[@]}"; do
  jar="$ORIG_SRC/$s-service/target/demo-0.0.1-SNAPSHOT.jar"
  if [[ ! -f $jar ]]; then
    [[ -d $ORIG_SRC/$s-service ]] || die "no original source in $ORIG_SRC (see --help: git clone …)"
    log "building the original's $s-service with Maven"
    (cd "$ORIG_SRC/$s-service" && mvn -q -B -DskipTests package) || die "mvn package failed for $s-service"
  fi
done

# ---------------------------------------------------------------- cleanup (only what we started)
PIDS=() NAMES=() REDIS_PID="" BROKER_PID="" DBS_CREATED=() DOMS_STARTED=0
stop_pids() { # TERM, wait up to 20 s, then KILL; newest first
  local i pid deadline
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[i]}" 2>/dev/null || true
  done
  deadline=$((SECONDS + 20))
  for pid in "${PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
kafka_tool() { java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dlog4j.configuration="file:$RUN/tools-log4j.properties" -cp "$KAFKA_LIBS/*" "$@"; }
cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  log "cleaning up: stopping the ${#PIDS[@]} processes this script started"
  stop_pids # the services first, then the broker they were talking to
  if [[ -n $BROKER_PID ]]; then
    PIDS=("$BROKER_PID")
    stop_pids
  fi
  if [[ -n $REDIS_PID ]]; then
    kill -TERM "$REDIS_PID" 2>/dev/null
    for _ in {1..50}; do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  if ((DOMS_STARTED)); then
    local esc="${DOMS_PREFIX//./\\.}" g
    log "deleting doms's $DOMS_PREFIX* topics, consumer groups and Redis keys"
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BROKERS" --delete --if-exists --topic "^${esc}.*" >/dev/null 2>&1
    for g in $(kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$KAFKA_BROKERS" --list 2>/dev/null | grep -F "$DOMS_PREFIX" | grep "^${esc}"); do
      kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$KAFKA_BROKERS" --delete --group "$g" >/dev/null 2>&1
    done
    redis-cli -u "$REDIS_URL" --scan --pattern "${DOMS_PREFIX}doms:*" | xargs -r -n 500 redis-cli -u "$REDIS_URL" unlink >/dev/null
  fi
  local db
  for db in "${DBS_CREATED[@]}"; do dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$db"; done
  log "cleaned up (logs in $RUN)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() { # name logfile cmd... → background, pid recorded
  local name="$1" out="$2"; shift 2
  "$@" </dev/null >"$out" 2>&1 &
  PIDS+=("$!") NAMES+=("$name")
  log "started $name (pid $!, log $out)"
}
wait_log() { # file pattern timeout name
  local deadline=$((SECONDS + $3)) i
  until grep -qE "$2" "$1" 2>/dev/null; do
    for i in "${!PIDS[@]}"; do kill -0 "${PIDS[i]}" 2>/dev/null || die "${NAMES[i]} exited (see its log)"; done
    ((SECONDS < deadline)) || die "$4 not ready after $3 s (no /$2/ in $1)"
    sleep 0.5
  done
}

rm -rf "$RUN"
mkdir -p "$RUN/kafka-data" "$RUN/kafka-logs"
printf 'log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.Target=System.err\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stderr.layout.ConversionPattern=[%%d] %%p %%m (%%c)%%n\n' >"$RUN/tools-log4j.properties"

log "machine before starting: $(uptime)"

# ---------------------------------------------------------------- the original's broker
# doms's broker template, rendered for a second node; later keys win in a properties file.
sed -e "s|@KAFKA_HOST@|127.0.0.1|g" -e "s|@KAFKA_PORT@|$ORIG_KAFKA_PORT|g" \
  -e "s|@KAFKA_ADVERTISED_HOST@|127.0.0.1|g" -e "s|@KAFKA_CONTROLLER_PORT@|$ORIG_CONTROLLER_PORT|g" \
  -e "s|@KAFKA_DATA_DIR@|$RUN/kafka-data|g" "$ROOT/stack/server.properties" >"$RUN/server.properties"
cat >>"$RUN/server.properties" <<'EOF'

# The original's own broker: it relies on topics being created on first use, with one partition
# each (as its docker-compose broker did).
auto.create.topics.enable=true
num.partitions=1
EOF
kafka_tool kafka.tools.StorageTool format -t "$(kafka_tool kafka.tools.StorageTool random-uuid)" \
  -c "$RUN/server.properties" >/dev/null
start orig-kafka "$RUN/kafka.out" java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
  -Djava.awt.headless=true "-Dkafka.logs.dir=$RUN/kafka-logs" \
  "-Dlog4j.configuration=file:$ROOT/stack/log4j.properties" -cp "$KAFKA_LIBS/*" kafka.Kafka "$RUN/server.properties"
BROKER_PID="${PIDS[-1]}" PIDS=() NAMES=()
wait_log "$RUN/kafka-logs/kafka.log" 'Kafka Server started|KafkaRaftServer.*started' 90 "the original's broker"
kill -0 "$BROKER_PID" 2>/dev/null || die "the original's broker exited (see $RUN/kafka.out)"

# ---------------------------------------------------------------- the original's Redis and database
redis-server --port "$ORIG_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --dir "$RUN" --pidfile "$RUN/redis.pid" --logfile "$RUN/redis.log"
for _ in {1..50}; do [[ -s $RUN/redis.pid ]] && break; sleep 0.1; done
REDIS_PID="$(cat "$RUN/redis.pid")"
log "started orig-redis (pid $REDIS_PID, port $ORIG_REDIS_PORT)"
redis-cli -p "$ORIG_REDIS_PORT" SET "inventory:$PRODUCT" "$STOCK" >/dev/null

for db in "$ORIG_DB" "$DOMS_DB"; do
  dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$db" 2>/dev/null
  createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$db"
  DBS_CREATED+=("$db")
done

# ---------------------------------------------------------------- the original's four services
JDBC="jdbc:postgresql://$PG_HOST:$PG_PORT/$ORIG_DB"
common=(--spring.kafka.bootstrap-servers="127.0.0.1:$ORIG_KAFKA_PORT" --spring.datasource.url="$JDBC"
  --spring.datasource.username="$PG_USER" --spring.data.redis.host=127.0.0.1
  --spring.data.redis.port="$ORIG_REDIS_PORT" --spring.redis.host=127.0.0.1 --spring.redis.port="$ORIG_REDIS_PORT")
i=0
for s in "${SERVICES[@]}"; do
  start "orig-$s" "$RUN/orig-$s.log" java -Xmx512m -jar "$ORIG_SRC/$s-service/target/demo-0.0.1-SNAPSHOT.jar" \
    --server.port=$((ORIG_PORT + i)) "${common[@]}"
  i=$((i + 1))
done
wait_log "$RUN/orig-order.log" 'Started OrderServiceApplication' 180 "the original's order service"
# The consumers subscribe to topics nobody has written yet: one order creates them.
curl -fsS -o /dev/null -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$ORIG_PORT/orders" ||
  die "the original's POST /orders failed"
for s in inventory payment notification; do
  wait_log "$RUN/orig-$s.log" 'partitions assigned: \[[^]]' 180 "the original's $s service"
done
log "the original is up: $(curl -fsS -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$ORIG_PORT/orders")"

# ---------------------------------------------------------------- doms's four workers
doms_env=(env -u PORT -u DOMS_WORKERS "KAFKA_BROKERS=$KAFKA_BROKERS" "REDIS_URL=$REDIS_URL" "DOMS_TOPIC_PREFIX=$DOMS_PREFIX"
  "DATABASE_URL=postgres://$PG_USER@$PG_HOST:$PG_PORT/$DOMS_DB")
DOMS_STARTED=1
"${doms_env[@]}" node "$ROOT/bin/doms.js" stock seed "$PRODUCT=$STOCK" >"$RUN/doms-seed.log" 2>&1 ||
  die "doms stock seed failed: $(cat "$RUN/doms-seed.log")"
for s in "${SERVICES[@]}"; do
  args=(run "$s")
  [[ $s == order ]] && args+=(--port "$DOMS_PORT")
  start "doms-$s" "$RUN/doms-$s.log" "${doms_env[@]}" node "$ROOT/bin/doms.js" "${args[@]}"
done
deadline=$((SECONDS + 90))
until curl -fsS -o /dev/null "http://127.0.0.1:$DOMS_PORT/health" 2>/dev/null; do
  ((SECONDS < deadline)) || die "doms's order API not up after 90 s"
  sleep 0.5
done
log "doms is up: $(curl -fsS -H 'Content-Type: application/json' -d "$BODY" "http://127.0.0.1:$DOMS_PORT/orders")"
deadline=$((SECONDS + 60))
until "${doms_env[@]}" node "$ROOT/bin/doms.js" status >"$RUN/doms-status.log" 2>&1; do
  ((SECONDS < deadline)) || die "doms status not healthy after 60 s: $(cat "$RUN/doms-status.log")"
  sleep 2
done

# ---------------------------------------------------------------- the client
cat >"$RUN/post.lua" <<EOF
-- wrk: POST /orders with one fixed JSON body (each POST creates a new order in both systems).
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d sockerr=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
EOF

cpu_sample() { awk '/^cpu /{print $2+$3+$4+$6+$7+$8, $5}' /proc/stat; } # busy idle (jiffies)
busy_pct() { # over $1 seconds
  local b1 i1 b2 i2
  read -r b1 i1 < <(cpu_sample); sleep "$1"; read -r b2 i2 < <(cpu_sample)
  echo $(((b2 - b1) * 100 / (b2 - b1 + i2 - i1 + 1)))
}
jiffies_of() { # pids… → their utime+stime summed (clock ticks)
  local pid t=0 f
  for pid in "$@"; do
    f="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    f="${f##*) }"
    read -r -a a <<<"$f"
    t=$((t + a[11] + a[12]))
  done
  echo "$t"
}
settle() { # waits for the machine to calm down; says how long and who was busy in the last 2 s
  local start=$SECONDS b d1 o1 d2 o2 hz
  hz="$(getconf CLK_TCK)"
  while :; do
    d1="$(jiffies_of "${DOMS_PIDS[@]}")" o1="$(jiffies_of "${ORIG_PIDS[@]}")"
    b="$(busy_pct 2)"
    d2="$(jiffies_of "${DOMS_PIDS[@]}")" o2="$(jiffies_of "${ORIG_PIDS[@]}")"
    ((b < SETTLE_BUSY || SECONDS - start >= SETTLE_MAX)) && break
  done
  echo "settled $((SECONDS - start)) s, machine ${b}% busy before the window (of it doms $(((d2 - d1) * 100 / hz / 2))%, original $(((o2 - o1) * 100 / hz / 2))% of a core)"
}
orders_in() { # system → rows in its orders table
  if [[ $1 == doms ]]; then psql_q -d "$DOMS_DB" -c 'select count(*) from orders'
  else psql_q -d "$ORIG_DB" -c 'select count(*) from orders'; fi
}
url_of() { if [[ $1 == doms ]]; then echo "http://127.0.0.1:$DOMS_PORT/orders"; else echo "http://127.0.0.1:$ORIG_PORT/orders"; fi; }
run_wrk() { # system seconds tag → prints the RESULT line (wrk's full output in $RUN/wrk-<tag>.txt)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${2}s" --timeout 10s --latency -s "$RUN/post.lua" "$(url_of "$1")" >"$RUN/wrk-$3.txt" 2>&1 ||
    die "wrk failed: $(cat "$RUN/wrk-$3.txt")"
  grep '^RESULT ' "$RUN/wrk-$3.txt"
}
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $2"; }

DOMS_PIDS=() ORIG_PIDS=("$BROKER_PID" "$REDIS_PID")
for i in "${!PIDS[@]}"; do
  if [[ ${NAMES[i]} == doms-* ]]; then DOMS_PIDS+=("${PIDS[i]}"); else ORIG_PIDS+=("${PIDS[i]}"); fi
done
for sys in doms original; do
  log "warming up $sys: $WARMUP s of the same load (not counted)"
  r="$(run_wrk "$sys" "$WARMUP" "warmup-$sys")"
  log "  warm-up $sys: $(awk -v r="$(field requests "$r")" -v d="$(field duration_us "$r")" 'BEGIN{printf "%.0f req/s", r/(d/1e6)}'), non-2xx $(field non2xx "$r"), socket errors $(field sockerr "$r")"
done

RESULTS=()
printf '\n%-8s %-5s %9s %8s %8s %8s %7s %7s %9s %s\n' system round 'req/s' 'p50 ms' 'p99 ms' requests non2xx sockerr 'db rows' 'load (1/5/15 min) · busy before · settle' >"$RUN/table.txt"
for ((round = 1; round <= ROUNDS; round++)); do
  for sys in doms original; do
    s="$(settle)"
    before="$(orders_in "$sys")"
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    top -bn1 | head -n 20 >"$RUN/top-$sys-$round.txt"
    log "round $round: $sys for $DURATION s ($s; load $load_before)"
    r="$(run_wrk "$sys" "$DURATION" "$sys-$round")"
    sleep 1
    rows=$(($(orders_in "$sys") - before))
    load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
    req="$(field requests "$r")" dur="$(field duration_us "$r")" non="$(field non2xx "$r")" se="$(field sockerr "$r")"
    rps="$(awk -v r="$req" -v d="$dur" 'BEGIN{printf "%.0f", r/(d/1e6)}')"
    p50="$(awk -v v="$(field p50_us "$r")" 'BEGIN{printf "%.1f", v/1000}')"
    p99="$(awk -v v="$(field p99_us "$r")" 'BEGIN{printf "%.1f", v/1000}')"
    valid=1
    ((non == 0 && se == 0)) || valid=0
    ((rows >= req && rows <= req + CONNECTIONS)) || log "  note: $sys's database gained $rows orders for $req answers"
    RESULTS+=("$sys $round $rps $valid")
    printf '%-8s %-5s %9s %8s %8s %8s %7s %7s %9s %s\n' "$sys" "$round" "$rps" "$p50" "$p99" "$req" "$non" "$se" "$rows" \
      "$load_before → $load_after · ${s#settled }$( ((valid)) || echo ' · INVALID (errors)')" >>"$RUN/table.txt"
    log "  $sys: $rps req/s, p50 $p50 ms, p99 $p99 ms, $req answers, non-2xx $non, socket errors $se, +$rows orders in its database"
  done
done

{
  echo
  echo "Closed-loop POST /orders, wrk $THREADS threads, $CONNECTIONS keep-alive connections, $DURATION s per window after $WARMUP s of warm-up each, saga running, alternating; $(nproc) cores; $(date -u '+%F %H:%M UTC'); doms $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), the original $(git -C "$ORIG_SRC" rev-parse --short HEAD 2>/dev/null || echo '?')"
  cat "$RUN/table.txt"
  printf '%s\n' "${RESULTS[@]}" | awk '
    $4 == 1 { sum[$1] += $3; n[$1]++ }
    $4 == 0 { bad[$1]++ }
    END {
      for (s in bad) printf "%s: %d window(s) INVALID (non-2xx or socket errors), left out\n", s, bad[s]
      if (n["doms"] && n["original"]) {
        d = sum["doms"] / n["doms"]; o = sum["original"] / n["original"]
        printf "\nmean of valid windows: doms %.0f req/s (%d), the original %.0f req/s (%d): doms ÷ original = %.2f×\n", d, n["doms"], o, n["original"], d / o
      } else print "\nno ratio: a system has no valid window"
    }'
  # Whether the saga kept up: doms's orders by status now (the original's status never changes).
  echo "doms's orders by status at the end: $(psql_q -d "$DOMS_DB" -F ' ' -c 'select status, count(*) from orders group by 1 order by 1' | paste -sd ',' | sed 's/,/, /g')"
  echo "machine now: $(uptime)"
} | tee "$RUN/summary.txt"
