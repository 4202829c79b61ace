#!/bin/bash
for spec in n20:h-1 n20:main-5 n20:h-2 n20:main-6 n26:h-3 n26:main-7; do
  n=${spec%%:*}; run=${spec#*:}
  NODE=node; [ $n = n26 ] && NODE=/work/node-versions/n26/node_modules/.bin/node
  root=/work/wt-lead46; [ ${run%-*} = main ] && root=/work/wt-before
  cd $root
  timeout 600 $NODE --import tsx bench/shop-product.ts --connections 20,50,100,200,400,1000 --seconds 10 --warmup 5 --modes on > /tmp/exp/ov/shop4-$n-$run.log 2>&1
done
echo done > /tmp/exp/ov/shop4.done
