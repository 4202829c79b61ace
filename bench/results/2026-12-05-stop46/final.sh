#!/bin/bash
# Stop 46's figures, one after another on the 2-CPU VM: issue 12's ladders (control on and off) on
# Node 20 and 26, then hello and the fan-outs against node:cluster and main before (wt-before, 2cb3a06).
cd /work/wt-lead46
R=bench/results/2026-12-05-stop46
N26=/work/node-versions/n26/node_modules/.bin/node
for n in 20 26; do
  NODE=node; [ $n = 26 ] && NODE=$N26
  timeout 900 $NODE --import tsx bench/fanout-overload.ts --connections 20,50,100,200,400,1000,10000 --seconds 10 --warmup 5 --modes on,off > $R/fanout-overload-n$n.log 2>&1
  timeout 900 $NODE --import tsx bench/shop-product.ts --connections 20,50,100,200,400,1000 --seconds 10 --warmup 5 --modes on,off > $R/shop-overload-n$n.log 2>&1
done
for n in 20 26; do
  NODE=node; [ $n = 26 ] && NODE=$N26
  timeout 900 npm run bench -- --scenarios hello --servers node-cluster,corral-async,corral-async@root=/work/wt-before --repeats 7 --duration 5 --warmup 1 --workers 2 --node $NODE > $R/hello-n$n.log 2>&1
  timeout 900 npm run bench -- --scenarios fanout,fanout-io --servers node-cluster,corral-async,corral-async@root=/work/wt-before --repeats 2 --duration 8 --warmup 2 --workers 2 --node $NODE > $R/fanout-n$n.log 2>&1
done
git checkout bench/results/latest.md
echo done > $R/final.done
