#!/bin/bash
# The workers' CPU (task-clock) and context switches over one 10 s wrk window (perf stat), per request: WHO=nc|corral, SCEN (fanout-io), C (100), EXTRA (more `corral serve` flags), NODE (Node 26).
set -u
NODE=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}; SCEN=${SCEN:-fanout-io}; C=${C:-100}; WHO=${WHO:-corral}; EXTRA=${EXTRA:-}; D=${D:-10}
cd "$(git rev-parse --show-toplevel)"
PORT=9400 BENCH_UPSTREAM_PROCESSES=2 setsid $NODE bench/upstream/simulator.cjs > /dev/null 2>&1 &
SIM=$!; sleep 1
export BENCH_UPSTREAM=http://127.0.0.1:9400 BENCH_DELAY_MS=300 BENCH_UPSTREAM_CONNECTIONS=1024 BENCH_WORKERS=2 BENCH_SCENARIO=$SCEN PORT=8200
if [ $WHO = nc ]; then NODE_OPTIONS=--perf-basic-prof setsid $NODE bench/anchors/node/cluster.cjs > /dev/null 2>&1 &
else NODE_OPTIONS=--perf-basic-prof setsid $NODE dist/cli/main.js serve bench/scenarios/$SCEN.ts --workers 2 --bind 127.0.0.1:8200 --admin-bind off --control-socket off --access-log off $EXTRA > /dev/null 2>&1 & fi
P=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:8200/ && break; sleep 0.2; done
wrk -t2 -c$C -d5s http://127.0.0.1:8200/ > /dev/null 2>&1
W=$(pgrep -s $P | grep -v "^$P$" | tr '\n' ',' | sed 's/,$//')
out=$(mktemp)
perf stat -e task-clock,context-switches -p $W -o ${TMPDIR:-/tmp}/cpu-cs-$WHO.txt -- sleep $((D+1)) &
PS=$!
sleep 0.3
wrk -t2 -c$C -d${D}s http://127.0.0.1:8200/ > $out 2>&1
wait $PS
grep -E "requests in" $out
grep -E "task-clock|context-switches" ${TMPDIR:-/tmp}/cpu-cs-$WHO.txt
kill -TERM -- -$P; sleep 1; kill -TERM -- -$SIM; rm -f $out
