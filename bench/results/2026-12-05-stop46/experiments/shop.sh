#!/bin/bash
# A/B on the shop's product page: the CPU-wait signal on (default) against --no-overload-cpu-wait, alternating.
cd /work/wt-lead46
NODE=${NODE:-node}
for run in ${RUNS:-on-1 nowait-1 on-2 nowait-2}; do
  v=${run%-*}
  args=""; [ $v = nowait ] && args="--no-overload-cpu-wait"
  timeout 600 $NODE --import tsx bench/shop-product.ts --connections 20,50,100,200,400,1000 --seconds 10 --warmup 5 --modes on --shop-args="$args" > /tmp/exp/ov/shop-$TAG-$run.log 2>&1
done
