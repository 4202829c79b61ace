#!/bin/bash
# split.sh nc|corral CONN ROUNDS — how wrk's connections split between the two workers (ss per pid), and rps
N26=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}
cd ${ROOT:-/work/main}
PORT=8131
if [ $1 = nc ]; then
  PORT=$PORT BENCH_WORKERS=2 BENCH_SCENARIO=hello setsid $N26 bench/anchors/node/cluster.cjs > /tmp/split-$1.log 2>&1 &
else
  setsid $N26 dist/cli/main.js serve bench/scenarios/hello.ts --workers 2 --bind 127.0.0.1:$PORT $EXTRA > /tmp/split-$1.log 2>&1 &
fi
master=$!
for i in $(seq 50); do curl -s 127.0.0.1:$PORT/ >/dev/null && break; sleep 0.2; done
for r in $(seq $3); do
  wrk -t2 -c$2 -d2s http://127.0.0.1:$PORT/ > /tmp/split-$1.wrk & wk=$!
  sleep 1
  line=""; for p in $(pgrep -P $master); do n=$(ss -tnpH state established "( sport = :$PORT )" 2>/dev/null | grep -c "pid=$p,"); line="$line $n"; done
  wait $wk
  echo "$1 c$2 round $r: split$line rps $(grep Requests/sec /tmp/split-$1.wrk | awk '{print $2}')"
done
kill -TERM $master
