#!/bin/bash
# A/B: the CPU-wait signal on (default) against --no-overload-cpu-wait, fan-out ladder, alternating.
cd ${ROOT:-/work/wt-lead46}
NODE=${NODE:-node}
for run in ${RUNS:-nowait-1 on-2 nowait-2}; do
  v=${run%-*}
  args=""; [ $v = nowait ] && args="--no-overload-cpu-wait"
  timeout 600 $NODE --import tsx bench/fanout-overload.ts --connections ${LEVELS:-20,50,100,200,400,1000,10000} --seconds 10 --warmup 5 --modes on --server-args="$args" > /tmp/exp/ov/$TAG-$run.log 2>&1
done
