#!/bin/bash
# heapsnap.sh APP|nc TAG — one corral worker serving APP (a path in the checkout), or with `nc` one worker of plain
# node:cluster serving the fan-out (stop 64), under wrk -c500 for 12 s, with a heap snapshot 6 s in, written to
# /tmp/ret/TAG/. Compare two with: python3 snapcount.py A.heapsnapshot B.heapsnapshot [N]
R=$(readlink -f "${ROOT:-/work/main}"); N26=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}
cd "$R" || exit 1
PORT=9441 BENCH_UPSTREAM_PROCESSES=2 setsid $N26 bench/upstream/simulator.cjs > /tmp/su.log 2>&1 & up=$!
sleep 1
mkdir -p /tmp/ret/$2; cd /tmp/ret/$2; rm -f *.heapsnapshot
export BENCH_UPSTREAM=http://127.0.0.1:9441 BENCH_UPSTREAM_CONNECTIONS=3000
if [ "$1" = nc ]; then
  PORT=8142 BENCH_WORKERS=1 BENCH_SCENARIO=fanout setsid $N26 --heapsnapshot-signal=SIGUSR2 "$R/bench/anchors/node/cluster.cjs" > /tmp/ret/$2.log 2>&1 & m=$!
else
  setsid $N26 --heapsnapshot-signal=SIGUSR2 "$R/dist/cli/main.js" serve "$R/$1" --workers 1 --bind 127.0.0.1:8142 --admin-bind off --control-socket off --access-log off > /tmp/ret/$2.log 2>&1 & m=$!
fi
for i in $(seq 40); do curl -s 127.0.0.1:8142/ >/dev/null && break; sleep 0.3; done
wrk -t1 -c500 -d12s http://127.0.0.1:8142/ > /tmp/ret/$2.wrk & wk=$!
sleep 6
w=$(pgrep -P $m | head -1); kill -USR2 $w
wait $wk
sleep 2; kill -TERM $m; kill -TERM $up; sleep 1
ls -la /tmp/ret/$2/ | tail -1; grep Requests/sec /tmp/ret/$2.wrk
