#!/bin/bash
# 3 runs × 11 rounds of hello, node:cluster vs corral-async, per Node; then bench:pool.
D=${D:-/tmp/r52/hellopool}
mkdir -p $D
for NODE in ${NODES:-/work/node-versions/n26/node_modules/node/bin/node}; do
  v=$($NODE -v)
  for run in 1 2 3; do
    timeout 1200 npm run bench -- --scenarios hello --servers node-cluster,corral-async --repeats 11 --duration 4 --warmup 1 --workers 2 --node $NODE --out $D/$v-$run > $D/$v-$run.log 2>&1
    echo "$v run $run rc=$? $(date -u +%H:%M:%S)"
  done
  npm run bench:pool -- $(ls -d $D/$v-*/*/ | tr "\n" " ") > $D/pool-$v.md 2>&1
done
