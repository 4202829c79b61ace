#!/bin/bash
# scavenges per request, node:cluster vs corral hello, 1 worker each, Node $NODE
N=${NODE:-node}
cd ${CHECKOUT:-$PWD}
PORT=18101 BENCH_WORKERS=1 BENCH_SCENARIO=hello $N --trace-gc $NCFLAGS bench/anchors/node/cluster.cjs > /tmp/gc-nc.log 2>&1 &
P1=$!
CORRAL_LOG_LEVEL=warn $N --trace-gc $COFLAGS dist/cli/main.js serve bench/scenarios/hello.ts --workers 1 --bind 127.0.0.1:18102 --admin-bind off --control-socket off > /tmp/gc-co.log 2>&1 &
P2=$!
sleep 4
for p in 18101 18102; do wrk -t1 -c10 -d3s http://127.0.0.1:$p/ >/dev/null; done
for p in 18101 18102; do : > /tmp/gc-mark-$p; done
L1=$(grep -c Scavenge /tmp/gc-nc.log); L2=$(grep -c Scavenge /tmp/gc-co.log)
R1=$(wrk -t1 -c10 -d6s http://127.0.0.1:18101/ | awk '/requests in/{print $1}')
R2=$(wrk -t1 -c10 -d6s http://127.0.0.1:18102/ | awk '/requests in/{print $1}')
S1=$(( $(grep -c Scavenge /tmp/gc-nc.log) - L1 )); S2=$(( $(grep -c Scavenge /tmp/gc-co.log) - L2 ))
echo "node:cluster: $R1 requests, $S1 scavenges, $(( R1 / (S1>0?S1:1) )) req/scavenge"
echo "corral:       $R2 requests, $S2 scavenges, $(( R2 / (S2>0?S2:1) )) req/scavenge"
grep Scavenge /tmp/gc-nc.log | tail -2; grep Scavenge /tmp/gc-co.log | tail -2
kill $P1 $P2; wait
