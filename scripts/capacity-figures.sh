#!/usr/bin/env bash
# What one order costs each part of the stack, for the README's capacity model: one `doms run <service>`
# per service while `doms load` drives RATE orders/s for D seconds, then per order: each process's CPU
# (from /proc), PostgreSQL's WAL bytes (pg_current_wal_lsn), Redis's server time and calls by command
# (INFO commandstats) and memory kept (used_memory, the ledgers' records at their TTL), and the bytes
# the broker keeps on disk for the run's topics (its data folder, one replica). Against the project's
# stack (npm run stack:up): run from the project's root, nothing else running.
# Usage: bash scripts/capacity-figures.sh 500 30
# On the stack's Redis Cluster (npm run stack:up -- --redis-cluster): REDIS_PORTS="7001 7002 7003 7004 7005 7006"
# REDIS_URL=redis+cluster://127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003 bash scripts/capacity-figures.sh 200 30
# (Redis figures then sum every node, replicas included).
set -uo pipefail
RATE=${1:-500}; D=${2:-30}
DB=doms_cap_$$; PREFIX=cap$$.
export DATABASE_URL=postgres://postgres@localhost:5432/$DB DOMS_TOPIC_PREFIX=$PREFIX LOG_LEVEL=warn
KAFKA_DATA=${KAFKA_DATA:-.stack/data/kraft-combined-logs}
REDIS_PORTS=${REDIS_PORTS:-6379}
rcli() { local p; for p in $REDIS_PORTS; do redis-cli -p "$p" "$@"; done; }  # every node
psqlq() { psql -qtA -h 127.0.0.1 -U postgres -d test -c "$1"; }
declare -A pid; T=$(mktemp -d)  # the workers only: the clean-up kills these
SERVICES=(order inventory payment notification)
for s in "${SERVICES[@]}"; do node bin/doms.js run "$s" >"$T/$s.log" 2>&1 & pid[$s]=$!; done
cleanup() {
  kill "${pid[@]}" 2>/dev/null; wait "${pid[@]}" 2>/dev/null
  psqlq "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
  for p in $REDIS_PORTS; do redis-cli -p "$p" --scan --pattern "${PREFIX}doms:*" | xargs -r -n 1 redis-cli -p "$p" unlink >/dev/null 2>&1; done
}
trap cleanup EXIT
for _ in $(seq 1 120); do curl -s -o /dev/null localhost:8081/health && break; sleep 0.5; done
node bin/doms.js load --rate 200 --duration 5s --no-dashboard --stock 100000000 >/dev/null 2>&1; sleep 3

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pidof_port() { ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
declare -A c0 watched  # every process measured, the stack's included: read, never signalled
PG_PID=$(pidof_port 5432)
for s in "${SERVICES[@]}"; do watched[$s]=${pid[$s]}; done
watched[postgres]=$PG_PID; watched[kafka]=$(pidof_port 9092)
procs=("${SERVICES[@]}" redis postgres kafka)
redis_pids=(); for p in $REDIS_PORTS; do redis_pids+=("$(pidof_port "$p")"); done
rediscpu() { local s=0 r; for r in "${redis_pids[@]}"; do s=$((s + $(cpu "$r"))); done; echo $s; }
pgcpu() { local s=0 c; for c in $(pgrep -P "$PG_PID"); do s=$((s + $(cpu "$c" 2>/dev/null || echo 0))); done; echo $s; }  # its backends
for p in "${procs[@]}"; do [[ $p == redis ]] || c0[$p]=$(cpu "${watched[$p]}"); done; pg0=$(pgcpu); c0[redis]=$(rediscpu)
r0=(); for r in "${redis_pids[@]}"; do r0+=("$(cpu "$r")"); done
lsn0=$(psqlq "SELECT pg_current_wal_lsn()"); rcli config resetstat >/dev/null; mem0=$(rcli info memory | awk -F: '/^used_memory:/ {s += $2} END {print s+0}')
node bin/doms.js load --rate "$RATE" --duration "${D}s" --no-dashboard --stock 100000000 >"$T/load.log" 2>&1
sleep 3
n=$(psql -qtA -h 127.0.0.1 -U postgres -d "$DB" -c "SELECT count(*) FROM orders")
hz=$(getconf CLK_TCK)
echo "rate $RATE/s for ${D}s ($n orders in the run's database with the warm-up's; per order below: of the ${RATE}×${D} measured)"
echo "CPU µs per order, by process (the 3 s after the load included):"
for p in "${procs[@]}"; do
  extra=0; [[ $p == postgres ]] && extra=$(( $(pgcpu) - pg0 ))
  if [[ $p == redis ]]; then now=$(rediscpu); else now=$(cpu "${watched[$p]}"); fi
  echo "  $p $(( (now - c0[$p] + extra) * 1000000 / hz / (RATE * D) ))"
done
if [[ ${#redis_pids[@]} -gt 1 ]]; then  # a cluster: each node, with its role
  i=0; for p in $REDIS_PORTS; do
    echo "  redis node $p $(redis-cli -p "$p" role | head -1) $(( ($(cpu "${redis_pids[$i]}") - r0[$i]) * 1000000 / hz / (RATE * D) ))"; i=$((i + 1))
  done
fi
wal=$(psqlq "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0')")
echo "PostgreSQL WAL bytes per order: $(( ${wal%.*} / (RATE * D) ))"
echo "Redis, per order: server µs and calls by command:"
rcli info commandstats | tr -d '\r' | awk -F'[:=,]' -v n=$((RATE * D)) '/^cmdstat_/ { sub("cmdstat_", "", $1); c[$1] += $3; u[$1] += $5 }
  END { for (k in c) if (c[k] > 0) printf "  %-10s %6.2f calls %7.2f µs (%.1f µs a call)\n", k, c[k] / n, u[k] / n, u[k] / c[k] }'
mem1=$(rcli info memory | awk -F: '/^used_memory:/ {s += $2} END {print s+0}')
echo "Redis memory kept per order (ledgers, reservations): $(( (mem1 - mem0) / (RATE * D) )) bytes"
bytes=$(find "$KAFKA_DATA" -path "*/${PREFIX}*" -name '*.log' -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s+0}')
echo "Kafka bytes on disk per order, one replica, every saga topic (warm-up included): $(( bytes / (n > 0 ? n : 1) ))"
grep -E 'saga \(send|p50' "$T/load.log" | tr -s ' ' | cut -c1-110 | head -3
