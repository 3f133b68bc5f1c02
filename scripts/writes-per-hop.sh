#!/usr/bin/env bash
# Socket writes per order of each worker, by peer (Kafka, Redis, PostgreSQL, HTTP, other): where the
# ../shared/tools/writes-per-order.sh totals come from. One `doms run <service>` per service, strace -yy
# on each while `doms load` drives RATE orders/s for D seconds.
# Usage, from the project's root: bash scripts/writes-per-hop.sh 50 20   (EXTRA="--fetch-max-wait 5ms" adds run flags)
set -uo pipefail
RATE=${1:-50}; D=${2:-20}
export DATABASE_URL=postgres://postgres@localhost:5432/doms_wph_$$ DOMS_TOPIC_PREFIX=wph$$. LOG_LEVEL=warn
declare -A pid; T=$(mktemp -d)
for s in order inventory payment notification; do node bin/doms.js run $s --latency 5ms ${EXTRA:-} >"$T/$s.log" 2>&1 & pid[$s]=$!; done
trap 'kill ${pid[*]} 2>/dev/null; wait 2>/dev/null; psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS doms_wph_$$" 2>/dev/null' EXIT
for _ in $(seq 1 120); do curl -s -o /dev/null localhost:8081/health && break; sleep 0.5; done
node bin/doms.js load --rate 200 --duration 5s --no-dashboard --stock 100000000 >/dev/null 2>&1; sleep 2
for s in order inventory payment notification; do timeout $((D+3)) strace -f -yy -e trace=write,writev,sendto,sendmsg -o "$T/$s.strace" -p ${pid[$s]} 2>/dev/null & done
sleep 1
node bin/doms.js load --rate $RATE --duration ${D}s --no-dashboard --stock 100000000 >"$T/load.log" 2>&1
sleep 3
n=$((RATE*D))
for s in order inventory payment notification; do
  awk -v n=$n -v s=$s '
    /^[0-9]+ +(write|writev|sendto|sendmsg)\(/ {
      peer="other"
      if (match($0, /->[0-9.:\[\]a-f]+:([0-9]+)\]/)) { p=substr($0, RSTART, RLENGTH); sub(/.*:/, "", p); sub(/\]/, "", p)
        peer = (p=="9092") ? "kafka" : (p=="6379") ? "redis" : (p=="5432") ? "postgres" : "port " p }
      else if (match($0, /TCP:\[[0-9.]+:8081->/)) peer="http"
      else if ($0 ~ /anon_inode:\[eventfd\]/) peer="eventfd"
      else if ($0 ~ /pipe:/) peer="pipe"
      c[peer]++; tot++ }
    END { line = sprintf("%-13s %5.1f:", s, tot/n); for (k in c) line = line sprintf("  %s %.2f", k, c[k]/n); print line }' "$T/$s.strace"
done
grep -E 'saga \(send' "$T/load.log" | tr -s ' ' | cut -c1-110
