#!/bin/bash
NODE=${1:-/work/node-versions/n26/node_modules/.bin/node}; C=${2:-1000}; shift 2; EXTRA="$@"
R=${R:-.}
PORT=9482 $NODE $R/bench/upstream/simulator.cjs > /dev/null 2>&1 & UP=$!
sleep 0.5
BENCH_UPSTREAM=http://127.0.0.1:9482 BENCH_DELAY_MS=300 $NODE $R/dist/cli/main.js serve $R/bench/scenarios/fanout.ts --workers 2 --bind 127.0.0.1:9483 --admin-bind 127.0.0.1:9484 --control-socket off --access-log off $EXTRA > /tmp/dyn-srv.log 2>&1 & SRV=$!
for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:9483/ && break; sleep 0.2; done
wrk -t2 -c$C -d${DUR:-20}s --latency http://127.0.0.1:9483/ > /tmp/dyn-wrk.log 2>&1 & W=$!
for i in $(seq ${DUR:-20}); do sleep 1; curl -s http://127.0.0.1:9484/status | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.workers.map(w=>{const o=w.overload;return o?`lim ${o.limit} run ${o.running} q ${o.waiting} shed ${o.shed.full}/${o.shed.timeout} u ${o.utilization?.toFixed?.(2)} p ${o.pressure?.toFixed?.(2)} s ${o.sampleMs?.toFixed?.(0)} b ${o.baselineMs?.toFixed?.(0)} cap ${o.capacity?.toFixed?.(0)}`:"-"}).join(" | "))})'; done
wait $W; kill -TERM $SRV; sleep 1; kill $UP; wait 2>/dev/null
grep -E "Requests/sec|Non-2xx|timeout|  99%|  50%" /tmp/dyn-wrk.log
