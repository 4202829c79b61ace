#!/bin/bash
# syscalls per request of the server's workers: strace -c -f over one wrk window
set -u
NODE=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}; SCEN=${SCEN:-fanout-io}; C=${C:-100}; WHO=${WHO:-corral}; EXTRA=${EXTRA:-}
cd "$(git rev-parse --show-toplevel)"
PORT=9400 BENCH_UPSTREAM_PROCESSES=2 setsid $NODE bench/upstream/simulator.cjs > /dev/null 2>&1 &
SIM=$!; sleep 1
export BENCH_UPSTREAM=http://127.0.0.1:9400 BENCH_DELAY_MS=300 BENCH_UPSTREAM_CONNECTIONS=1024 BENCH_WORKERS=2 BENCH_SCENARIO=$SCEN PORT=8200
if [ $WHO = nc ]; then setsid $NODE bench/anchors/node/cluster.cjs > /dev/null 2>&1 &
else setsid $NODE dist/cli/main.js serve bench/scenarios/$SCEN.ts --workers 2 --bind 127.0.0.1:8200 --admin-bind off --control-socket off --access-log off $EXTRA > /dev/null 2>&1 & fi
P=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:8200/ && break; sleep 0.2; done
wrk -t2 -c$C -d5s http://127.0.0.1:8200/ > /dev/null 2>&1
W=$(pgrep -s $P | grep -v "^$P$" | tr '\n' ',' | sed 's/,$//')
out=$(mktemp)
timeout -s INT 12 strace -c -f -p $W -o ${TMPDIR:-/tmp}/strace-$WHO.txt &
ST=$!; sleep 0.5
wrk -t2 -c$C -d10s http://127.0.0.1:8200/ > $out 2>&1
wait $ST
grep -E "requests in" $out
ss -tn state established '( dport = :9400 )' | wc -l
head -25 ${TMPDIR:-/tmp}/strace-$WHO.txt
kill -TERM -- -$P; sleep 1; kill -TERM -- -$SIM; rm -f $out
