#!/bin/bash
# A/B: BURST_COPIES 32 (wt-exp2) against 8 (wt-lead46), both with the CPU-wait signal, alternating.
NODE=${NODE:-node}
for run in ${RUNS:-c32-1 c8-3 c32-2}; do
  root=/work/wt-lead46; [ ${run%-*} = c32 ] && root=/work/wt-exp2
  cd $root
  timeout 600 $NODE --import tsx bench/fanout-overload.ts --connections ${LEVELS:-20,50,100,200,400,1000,10000} --seconds 10 --warmup 5 --modes on > /tmp/exp/ov/$TAG-$run.log 2>&1
done
