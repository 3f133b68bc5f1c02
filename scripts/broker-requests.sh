#!/usr/bin/env bash
# Requests the broker answered per order, by API (Produce, Fetch, Heartbeat, OffsetCommit, ...), and the
# broker's CPU per order and per request, from the broker's own counters (JMX RequestsPerSec) while
# `doms load` drives RATE orders/s for D seconds. Every client counts: the workers and the load
# generator's outcome follower alike. Complements writes-per-hop.sh, which counts the workers' side.
# Usage, from the project's root, with the stack's broker up (npm run stack:up):
#   bash scripts/broker-requests.sh 750 20          # one `doms run <service>` per service
#   MODE=all bash scripts/broker-requests.sh 750 20  # one `doms run all`
#   EXTRA="--fetch-linger 5ms" bash scripts/broker-requests.sh 750 20   # run flags added
# The broker's JMX agent is started on 127.0.0.1:$JMX_PORT (9998) with jcmd if it is not there yet.
set -uo pipefail
RATE=${1:-500}; D=${2:-20}; MODE=${MODE:-services}; JMX_PORT=${JMX_PORT:-9998}
[[ $RATE =~ ^[1-9][0-9]*$ && $D =~ ^[1-9][0-9]*$ ]] || { echo "usage: bash scripts/broker-requests.sh <orders/s> <seconds> (whole numbers above 0; got '$RATE' '$D')" >&2; exit 2; }
[[ $MODE == all || $MODE == services ]] || { echo "MODE is all or services, not '$MODE'" >&2; exit 2; }
export DATABASE_URL=postgres://postgres@localhost:5432/doms_brq_$$ DOMS_TOPIC_PREFIX=brq$$. LOG_LEVEL=warn
BROKER=$(cat .stack/kafka.pid 2>/dev/null) && kill -0 "$BROKER" 2>/dev/null || { echo "no broker of the stack running (npm run stack:up)" >&2; exit 2; }
CP=$(bash scripts/stack.sh classpath) || exit 2
JMX_URL=service:jmx:rmi:///jndi/rmi://127.0.0.1:$JMX_PORT/jmxrmi
(exec 3<>/dev/tcp/127.0.0.1/$JMX_PORT) 2>/dev/null ||
  jcmd "$BROKER" ManagementAgent.start jmxremote.port=$JMX_PORT jmxremote.rmi.port=$JMX_PORT jmxremote.host=127.0.0.1 \
    jmxremote.authenticate=false jmxremote.ssl=false >/dev/null || { echo "could not start the broker's JMX agent" >&2; exit 2; }
# One line per API: name and count, summed over the request versions.
counts() {
  java -cp "$CP" org.apache.kafka.tools.JmxTool --jmx-url "$JMX_URL" --one-time true --attributes Count \
    --object-name 'kafka.network:type=RequestMetrics,name=RequestsPerSec,request=*,version=*' 2>/dev/null | tail -2 |
    awk 'NR==1 { n = 0; while (match($0, /request=[A-Za-z]+/)) { api[++n] = substr($0, RSTART + 8, RLENGTH - 8); $0 = substr($0, RSTART + RLENGTH) } }
         NR==2 { split($0, v, ","); for (i = 1; i <= n; i++) c[api[i]] += v[i + 1]; for (a in c) print a, c[a] }'
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
workers_ticks() { local t=0 p; for p in "${pids[@]}"; do t=$((t + $(ticks "$p"))); done; echo $t; }
declare -a pids; T=$(mktemp -d)
if [[ $MODE == all ]]; then node bin/doms.js run all --latency 5ms ${EXTRA:-} >"$T/all.log" 2>&1 & pids+=($!)
else for s in order inventory payment notification; do node bin/doms.js run $s --latency 5ms ${EXTRA:-} >"$T/$s.log" 2>&1 & pids+=($!); done; fi
trap 'kill ${pids[*]} 2>/dev/null; wait 2>/dev/null; psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS doms_brq_$$" 2>/dev/null' EXIT
for _ in $(seq 1 120); do curl -s -o /dev/null localhost:8081/health && break; sleep 0.5; done
node bin/doms.js load --rate 200 --duration 5s --no-dashboard --stock 100000000 >/dev/null 2>&1; sleep 2
counts >"$T/before"; t0=$(ticks "$BROKER"); w0=$(workers_ticks)
node bin/doms.js load --rate "$RATE" --duration "${D}s" --no-dashboard --stock 100000000 >"$T/load.log" 2>&1
counts >"$T/after"; t1=$(ticks "$BROKER"); w1=$(workers_ticks)
n=$((RATE * D)); hz=$(getconf CLK_TCK)
echo "rate $RATE/s for $D s ($MODE), requests the broker answered per order:"
# FetchConsumer counts the consumers' Fetch requests again (Fetch covers every fetch), so it is left out.
awk -v n=$n -v cpu=$(((t1 - t0) * 1000000 / hz)) 'NR == FNR { b[$1] = $2; next } $1 != "FetchConsumer" && $2 > b[$1] { d[$1] = $2 - b[$1]; tot += d[$1] }
  END { for (a in d) printf "  %-16s %8d  %6.3f\n", a, d[a], d[a] / n | "sort -k2 -nr"; close("sort -k2 -nr")
        printf "  %-16s %8d  %6.3f   broker CPU %d µs per order, %d µs per request\n", "total", tot, tot / n, cpu / n, tot ? cpu / tot : 0 }' "$T/before" "$T/after"
echo "  the workers' CPU: $(((w1 - w0) * 1000000 / hz / n)) µs per order"
grep -E 'saga \(send' "$T/load.log" | tr -s ' ' | cut -c1-110
