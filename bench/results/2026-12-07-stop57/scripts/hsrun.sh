#!/bin/bash
# hsrun.sh nc|corral CONN N
N26=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}
cd ${ROOT:-/work/main}
PORT=8124; rm -f /tmp/hs-$1-*.json
if [ $1 = nc ]; then
  PORT=$PORT BENCH_WORKERS=2 BENCH_SCENARIO=${SCEN:-hello} HS_TAG=$1 setsid $N26 --import $(dirname $(readlink -f $0))/heapsample.mjs bench/anchors/node/cluster.cjs > /tmp/hs-$1.log 2>&1 &
else
  HS_TAG=$1 setsid $N26 --import $(dirname $(readlink -f $0))/heapsample.mjs dist/cli/main.js serve ${APP:-bench/scenarios/hello.ts} --workers 2 --bind 127.0.0.1:$PORT $EXTRA > /tmp/hs-$1.log 2>&1 &
fi
master=$!
for i in $(seq 50); do curl -s 127.0.0.1:$PORT/ >/dev/null && break; sleep 0.2; done
ab -q -k -n 30000 -c $2 http://127.0.0.1:$PORT/ > /dev/null
pids=$(pgrep -P $master | tr '\n' ' ')
kill -WINCH $pids; sleep 0.3
ab -k -n $3 -c $2 http://127.0.0.1:$PORT/ 2>&1 | grep -E "^Complete requests|^Failed|^Non-2xx"
kill -WINCH $pids; for i in $(seq 60); do [ $(ls /tmp/hs-$1-*.json 2>/dev/null | wc -l) = 2 ] && break; sleep 0.5; done; echo pids $pids
kill -TERM $master; sleep 1
python3 $(dirname $(readlink -f $0))/hssum.py $3 /tmp/hs-$1-*.json
