#!/bin/bash
# CPU per second of each server process under a light keep-alive load (hey -q RATE -c CONNS for DUR s): node:cluster vs corral with extra flags ($@)
N=${NODE:-/work/node-versions/n26/node_modules/.bin/node}
cd ${CHECKOUT:-$PWD}
PORT=18101 BENCH_WORKERS=2 BENCH_SCENARIO=hello $N bench/anchors/node/cluster.cjs > /dev/null 2>&1 & P1=$!
CORRAL_LOG_LEVEL=warn $N dist/cli/main.js serve bench/scenarios/hello.ts --workers 2 --bind 127.0.0.1:18103 --control-socket off "$@" > /dev/null 2>&1 & P3=$!
sleep 5
tick() { for p in $1 $(pgrep -P $1); do echo "$p $(awk '{print $14+$15}' /proc/$p/stat)"; done; }
for r in $(seq 1 ${ROUNDS:-2}); do for pair in "18101 $P1 nc" "18103 $P3 corral"; do set -- $pair
  tick $2 > /tmp/l0; hey -z ${DUR:-10}s -q ${RATE:-50} -c ${CONNS:-4} http://127.0.0.1:$1/ > /tmp/hey.out; tick $2 > /tmp/l1
  n=$(awk '/Requests\/sec/{print $2}' /tmp/hey.out); echo "$3 round $r: $n req/s; CPU ms/s per process: $(join /tmp/l0 /tmp/l1 | awk -v d=${DUR:-10} '{printf "%d ", ($3-$2)*10/d}')"
done; done
kill $P1 $P3; wait
