#!/bin/bash
# The shop ladder with a build, alternating with the build before (wt-exp2 holds lead46's f522a73 + BURST_COPIES; use wt-before = main).
NODE=${NODE:-node}
for run in ${RUNS:-new-1 main-1 new-2 main-2}; do
  root=/work/wt-lead46; [ ${run%-*} = main ] && root=/work/wt-before
  cd $root
  timeout 600 $NODE --import tsx bench/shop-product.ts --connections 20,50,100,200,400,1000 --seconds 10 --warmup 5 --modes on > /tmp/exp/ov/shop2-$TAG-$run.log 2>&1
done
