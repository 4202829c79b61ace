#!/bin/bash
# The EventEmitter.init inline cache of one worker after 3 s of hello: WHO=nc|corral [EXTRA=corral flags] [PRELOAD=ee-preload.cjs for the order of the emitters made]; output in /tmp/ic-$WHO.log
set -u
HERE=$(dirname "$(readlink -f "$0")")
NODE=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}; WHO=${WHO:-corral}
cd "${ROOT:-$(git rev-parse --show-toplevel)}"
export BENCH_WORKERS=1 BENCH_SCENARIO=hello PORT=8200 F="--allow-natives-syntax --require $HERE/${PRELOAD:-ee-init-ic-preload.cjs}"
if [ $WHO = nc ]; then setsid $NODE $F bench/anchors/node/cluster.cjs > /tmp/ic-$WHO.log 2>&1 &
else setsid $NODE $F dist/cli/main.js serve bench/scenarios/hello.ts --workers 1 --bind 127.0.0.1:8200 --admin-bind off --control-socket off --access-log off ${EXTRA:-} > /tmp/ic-$WHO.log 2>&1 & fi
P=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:8200/ && break; sleep 0.2; done
W=$(pgrep -P $P | head -1)
wrk -t1 -c10 -d3s http://127.0.0.1:8200/ > /dev/null 2>&1
kill -URG $W; sleep 1
kill -TERM -- -$P; sleep 0.5
