#!/usr/bin/env bash
# Write syscalls per order of each worker, read from /proc/<pid>/io (syscw: write, writev and the like,
# which is how libuv writes to a TCP socket), so nothing slows the workers down while they are counted:
# strace, which ../shared/tools/writes-per-order.sh uses, stops every process on every system call, and
# the saga then runs ten times slower and batches more than it would. One `doms run <service>` per
# service while `doms load` drives RATE orders/s for D seconds; also the saga's latency in that run.
# Usage, from the project's root: bash scripts/writes-per-order.sh 50 20   (EXTRA="--fetch-linger 5ms" adds run flags)
set -uo pipefail
RATE=${1:-50}; D=${2:-20}
export DATABASE_URL=postgres://postgres@localhost:5432/doms_wpo_$$ DOMS_TOPIC_PREFIX=wpo$$. LOG_LEVEL=warn
declare -A pid; T=$(mktemp -d)
SERVICES=(order inventory payment notification)
for s in "${SERVICES[@]}"; do node bin/doms.js run $s --latency 5ms ${EXTRA:-} >"$T/$s.log" 2>&1 & pid[$s]=$!; done
trap 'kill ${pid[*]} 2>/dev/null; wait 2>/dev/null; psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS doms_wpo_$$" >/dev/null 2>&1' EXIT
for _ in $(seq 1 120); do curl -s -o /dev/null localhost:8081/health && break; sleep 0.5; done
node bin/doms.js load --rate 200 --duration 5s --no-dashboard --stock 100000000 >/dev/null 2>&1; sleep 2
writes() { awk '/^syscw/ {print $2}' /proc/$1/io; }
cpu() { awk '{print $14 + $15}' /proc/$1/stat; }
declare -A w0 c0
for s in "${SERVICES[@]}"; do w0[$s]=$(writes ${pid[$s]}); c0[$s]=$(cpu ${pid[$s]}); done
node bin/doms.js load --rate $RATE --duration ${D}s --no-dashboard --stock 100000000 >"$T/load.log" 2>&1
sleep 2
n=$((RATE*D)); hz=$(getconf CLK_TCK); line="rate $RATE/s, writes per order:"; cpuline="CPU ms per order:"; tot=0
for s in "${SERVICES[@]}"; do
  c=$(( $(writes ${pid[$s]}) - w0[$s] )); tot=$((tot+c)); line+=" $s $(echo "scale=1; $c/$n" | bc)"
  cpuline+=" $s $(echo "scale=2; ($(cpu ${pid[$s]}) - ${c0[$s]}) * 1000 / $hz / $n" | bc)"
done
echo "$line | workers total $(echo "scale=1; $tot/$n" | bc)"
echo "$cpuline (includes the 2 s after the load)"
grep -E 'saga \(send|p50' "$T/load.log" | tr -s ' ' | cut -c1-110 | head -3
