#!/bin/bash
# issue 11's hello bar: 3 runs of 11 rounds per Node, pooled. Run from a worktree with dist built.
# Where the runs go (stop 41 ran this with D=/tmp/r41/hello). SCENARIOS and ROUNDS let the same
# loop pool other scenarios (stop 42's fan-outs: fan-pool.sh there).
D=${D:-/tmp/r40/hello}
SCENARIOS=${SCENARIOS:-hello}
ROUNDS=${ROUNDS:---repeats 11 --duration 4 --warmup 1}
mkdir -p "$D"
for NODE in node /work/node-versions/n26/node_modules/node/bin/node; do
  v=$($NODE -v)
  for run in 1 2 3; do
    timeout 900 npm run bench -- --scenarios $SCENARIOS --servers node-cluster,corral-async $ROUNDS --workers 2 $( [ $NODE != node ] && echo --node $NODE ) --out $D/$v-$run > $D/$v-$run.log 2>&1
    echo "$v run $run rc=$? $(date -u +%H:%M:%S)"
  done
  npm run bench:pool -- $(ls -d $D/$v-*/*/ | tr "\n" " ") > $D/pool-$v.md 2>&1
done
