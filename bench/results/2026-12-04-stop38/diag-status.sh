#!/bin/bash
# diagnostic: fanout-io at 20 then 1000 (or $1) connections, /status sampled every 250 ms
ROOT=${ROOT:-/work/wt-lead38}; cd $ROOT
N=${1:-1000}; NODE=${NODE:-node}; EXTRA=${EXTRA:-}
ulimit -n $(ulimit -Hn)
SIM=18901; P=18902; A=18903
PORT=$SIM BENCH_UPSTREAM_PROCESSES=2 setsid $NODE bench/upstream/simulator.cjs > /tmp/r38/diag/sim.log 2>&1 &
SIMPID=$!
sleep 1
CORRAL_LOG_LEVEL=warn BENCH_UPSTREAM=http://127.0.0.1:$SIM BENCH_DELAY_MS=300 BENCH_UPSTREAM_CONNECTIONS=1024 setsid $NODE dist/cli/main.js serve bench/scenarios/fanout-io.ts --bind 127.0.0.1:$P --admin-bind 127.0.0.1:$A --control-socket off --workers 2 --worker-connections 100000 $EXTRA > /tmp/r38/diag/server.log 2>&1 &
SPID=$!
for i in $(seq 1 100); do curl -sf -o /dev/null http://127.0.0.1:$P/ && break; sleep 0.2; done
wrk -t2 -c20 -d5s -s bench/overload/fanout.lua http://127.0.0.1:$P/ >/dev/null 2>&1
sleep 1
( for i in $(seq 1 48); do curl -s --max-time 1 http://127.0.0.1:$A/status | $NODE -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);const t=(performance.timeOrigin+performance.now())%100000;console.log(((Date.now()%100000)/1000).toFixed(2), JSON.stringify(j.intake), j.workers.map(w=>{const o=w.overload||{};return `L${o.limit} r${o.running} w${o.waiting} shed${JSON.stringify(o.shed)} q${o.queued}`}).join(" | "))}catch(e){console.log("bad",e.message)}})'; sleep 0.25; done ) &
MON=$!
echo "wrk start $(( $(date +%s%3N) % 100000 ))"
wrk -t2 -c$N -d10s --latency -s bench/overload/fanout.lua http://127.0.0.1:$P/ 2>&1 | grep -E "Latency|99%|Requests/sec|WRK_JSON" | cut -c1-300
wait $MON
kill -TERM $SPID; sleep 2; kill -TERM -$SIMPID 2>/dev/null; kill -9 -$SPID 2>/dev/null; kill -9 -$SIMPID 2>/dev/null
