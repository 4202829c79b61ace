#!/bin/bash
# Issue 12's levels for several built trees alternating: TREES="name:/path ...", BENCHES (fanout shop), R rounds, NODE,
# MODES (on, or on,off). Output: $D/<node>-<name>-<bench>-<round>.txt
set -u
NODE=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}; D=${D:-/tmp/s51/tree}; R=${R:-2}; BENCHES=${BENCHES:-shop}
mkdir -p $D; v=$($NODE -v)
for r in $(seq 1 $R); do
  for t in $TREES; do
    which=${t%%:*}; root=${t#*:}
    for b in $BENCHES; do
      if [ $b = fanout ]; then cmd="bench/fanout-overload.ts --connections ${FCONN:-20,400,1000,10000} --seconds 10 --warmup 5 --modes ${MODES:-on}"
      else cmd="bench/shop-product.ts --connections ${SCONN:-20,400,1000} --seconds 10 --warmup 5 --modes ${MODES:-on}"; fi
      (cd $root && timeout 600 $NODE --import tsx $cmd > $D/$v-$which-$b-$r.txt 2>&1)
      echo "$v $which $b round $r rc=$? $(date -u +%H:%M:%S)"
    done
  done
done
