#!/bin/bash
# Issue 12's fan-out and shop levels, before (BEFORE tree) and after (AFTER tree) alternating, R rounds, on NODE.
# Run: BEFORE=<built checkout> AFTER=<built checkout> NODE=<node> D=<dir> R=2 bash overload-ab.sh.
# Each tree runs its own bench/*.ts against its own dist. Output: $D/<which>-<bench>-<round>.txt
set -u
BEFORE=${BEFORE:-/work/main}; AFTER=${AFTER:-/work/wt-lead51}; NODE=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}
D=${D:-/tmp/s51/ov}; R=${R:-2}; BENCHES=${BENCHES:-fanout shop}
mkdir -p $D
v=$($NODE -v)
for r in $(seq 1 $R); do
  for which in before after; do
    root=$BEFORE; [ $which = after ] && root=$AFTER
    for b in $BENCHES; do
      if [ $b = fanout ]; then cmd="bench/fanout-overload.ts --connections ${FCONN:-20,400,1000,10000} --seconds 10 --warmup 5 --modes ${MODES:-on,off}"
      else cmd="bench/shop-product.ts --connections ${SCONN:-20,400,1000} --seconds 10 --warmup 5 --modes ${MODES:-on,off}"; fi
      (cd $root && timeout 600 $NODE --import tsx $cmd > $D/$v-$which-$b-$r.txt 2>&1)
      echo "$v $which $b round $r rc=$? $(date -u +%H:%M:%S)"
    done
  done
done
