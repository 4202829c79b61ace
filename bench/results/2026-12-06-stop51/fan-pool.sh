#!/bin/bash
# Issue 11's fan-out bars with the share (stop 51), pooled: 3 runs of 3 rounds per Node (NODES,
# default Node 26 then 20) of SCENARIOS (fanout,fanout-io): node:cluster, this worktree's corral, and
# corral at BEFORE (a built checkout of the commit before). Run from a worktree with dist built; D is
# where the runs go.
D=${D:-/tmp/r51/fan}
NODES=${NODES:-/work/node-versions/n26/node_modules/node/bin/node node}
BEFORE=${BEFORE:-/work/main}
mkdir -p "$D"
for NODE in $NODES; do
  v=$($NODE -v)
  for run in 1 2 3; do
    timeout 1200 npm run bench -- --scenarios ${SCENARIOS:-fanout,fanout-io} --servers ${SERVERS:-node-cluster,corral-async,corral-async@root=$BEFORE} ${ROUNDS:---repeats 3 --duration 8 --warmup 2} --workers 2 --node $NODE --out $D/$v-$run > $D/$v-$run.log 2>&1
    echo "$v run $run rc=$? $(date -u +%H:%M:%S)"
  done
  npm run bench:pool -- $(ls -d $D/$v-*/*/ | tr "\n" " ") > $D/pool-$v.md 2>&1
done
