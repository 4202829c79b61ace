#!/bin/bash
# perfan.sh nc|corral CONN — perf samples of one worker during a fan-out load; grep V8 runtime slow paths
N26=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}
cd ${ROOT:-/work/main}
UP=9413; PORT=8129
PORT=$UP BENCH_UPSTREAM_PROCESSES=2 setsid $N26 bench/upstream/simulator.cjs > /tmp/pf-up.log 2>&1 &
up=$!; sleep 1
export BENCH_UPSTREAM=http://127.0.0.1:$UP BENCH_DELAY_MS=${DELAY:-300}
if [ $1 = nc ]; then
  PORT=$PORT BENCH_WORKERS=2 BENCH_SCENARIO=${SCEN:-fanout} setsid $N26 --perf-basic-prof bench/anchors/node/cluster.cjs > /tmp/pf-$1.log 2>&1 &
else
  setsid $N26 --perf-basic-prof dist/cli/main.js serve ${APP:-bench/scenarios/fanout.ts} --workers 2 --bind 127.0.0.1:$PORT $EXTRA > /tmp/pf-$1.log 2>&1 &
fi
master=$!
for i in $(seq 50); do curl -s 127.0.0.1:$PORT/ >/dev/null && break; sleep 0.2; done
wrk -t2 -c$2 -d3s http://127.0.0.1:$PORT/ > /dev/null
pids=$(pgrep -P $master | tr '\n' ',' | sed 's/,$//')
wrk -t2 -c$2 -d8s http://127.0.0.1:$PORT/ > /tmp/pf-$1.wrk & wk=$!
sleep 1
perf record -F 499 -p $pids -o /tmp/pf-$1.data -- sleep 5 2>/dev/null >/dev/null
wait $wk
kill -TERM $master $up; sleep 1
echo "$1 $(grep -E 'Requests/sec' /tmp/pf-$1.wrk)"
perf report -i /tmp/pf-$1.data --sort sym --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -${TOP:-25}
