#!/bin/bash
# Stop 52: corral/io's sharded upstream pool, fanout-io at 1,000 connections, pooled: 3 runs of 3 rounds per
# Node (NODES) of node:cluster, this checkout (after) and BEFORE (a built checkout without the shards),
# then `npm run bench:pool`. Run from the built checkout; D is where the runs go.
D=${D:-/tmp/r52/shard}
NODES=${NODES:-/work/node-versions/n26/node_modules/node/bin/node node}
BEFORE=${BEFORE:-/work/main}
mkdir -p "$D"
for NODE in $NODES; do
  v=$($NODE -v)
  for run in 1 2 3; do
    timeout 1200 npm run bench -- --scenarios fanout-io --servers node-cluster,corral-async,corral-async@root=$BEFORE --repeats 3 --duration 8 --warmup 2 --workers 2 --node $NODE --out $D/$v-$run > $D/$v-$run.log 2>&1
    echo "$v run $run rc=$? $(date -u +%H:%M:%S)"
  done
  npm run bench:pool -- $(ls -d $D/$v-*/*/ | tr "\n" " ") > $D/pool-$v.md 2>&1
done
