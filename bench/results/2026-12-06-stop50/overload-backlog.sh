#!/bin/bash
# Issue 12's fan-out levels with the upstream simulator's listen backlog at Node's old 511 and at the new
# default (the kernel's somaxconn), alternating (R rounds, default 2), on NODE (default Node 26). D is
# where the reports go. Each is bench/fanout-overload.ts --connections 20,1000,10000 --seconds 10.
D=${D:-/tmp/r50/ovl}; NODE=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}
mkdir -p "$D"
for r in $(seq 1 ${R:-2}); do
  for b in 511 65535; do
    BENCH_UPSTREAM_BACKLOG=$b timeout 900 $NODE --import tsx bench/fanout-overload.ts --connections ${LEVELS:-20,1000,10000} \
      --seconds 10 --warmup 5 --modes ${MODES:-on,off} > $D/backlog-$b-$r.txt 2>&1
    echo "backlog $b round $r rc=$? $(date -u +%H:%M:%S)"
  done
done
