#!/bin/bash
# hsfan.sh nc|corral CONN N — allocation sampling for the fan-out
N26=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}
cd ${ROOT:-/work/main}
UP=9412; PORT=8127; rm -f /tmp/hs-$1-*.json
PORT=$UP BENCH_UPSTREAM_PROCESSES=2 setsid $N26 bench/upstream/simulator.cjs > /tmp/hf-up.log 2>&1 &
up=$!; sleep 1
export BENCH_UPSTREAM=http://127.0.0.1:$UP BENCH_DELAY_MS=${DELAY:-20}
if [ $1 = nc ]; then
  PORT=$PORT BENCH_WORKERS=2 BENCH_SCENARIO=fanout HS_TAG=$1 setsid $N26 --import $(dirname $(readlink -f $0))/heapsample.mjs bench/anchors/node/cluster.cjs > /tmp/hs-$1.log 2>&1 &
else
  HS_TAG=$1 setsid $N26 --import $(dirname $(readlink -f $0))/heapsample.mjs dist/cli/main.js serve ${APP:-bench/scenarios/fanout.ts} --workers 2 --bind 127.0.0.1:$PORT $EXTRA > /tmp/hs-$1.log 2>&1 &
fi
master=$!
for i in $(seq 50); do curl -s 127.0.0.1:$PORT/ >/dev/null && break; sleep 0.2; done
ab -q -k -n 10000 -c $2 http://127.0.0.1:$PORT/ > /dev/null
pids=$(pgrep -P $master | tr '\n' ' ')
kill -WINCH $pids; sleep 0.3
ab -k -n $3 -c $2 http://127.0.0.1:$PORT/ 2>&1 | grep -E "^Complete requests|^Failed|^Non-2xx"
kill -WINCH $pids; for i in $(seq 60); do [ $(ls /tmp/hs-$1-*.json 2>/dev/null | wc -l) = 2 ] && break; sleep 0.5; done
kill -TERM $master $up; sleep 1
python3 $(dirname $(readlink -f $0))/hssum.py $3 /tmp/hs-$1-*.json
