#!/bin/bash
cd /work/wt-lead46
for i in 1 2 3; do
  timeout 900 npm run bench -- --scenarios hello --servers node-cluster,corral-async --repeats 11 --duration 5 --warmup 1 --workers 2 --node /work/node-versions/n26/node_modules/.bin/node > /tmp/pool26-$i.log 2>&1
done
git checkout bench/results/latest.md
echo finished > /tmp/pool26.done
