#!/bin/bash
# N runs of the shop's levels (20, 400, 1,000) on TREE, a built tree with client-wait-diagnostic.patch
# applied; each run's per-worker answers land in OUT/runN/ (DIAG_DIR), its bench report in OUT/runN.txt.
# Then: python3 client-wait.py OUT/runN
# N diagnostic runs of the shop's levels on the build in $TREE (a build with the diag lines of diag.patch).
mkdir -p $OUT
for r in $(seq 1 ${N:-3}); do
  export DIAG_DIR=$OUT/run$r; rm -rf $DIAG_DIR
  (cd $TREE && timeout 600 /work/node-versions/n26/node_modules/node/bin/node --import tsx bench/shop-product.ts --connections 20,400,1000 --seconds 10 --warmup 5 --modes on > $OUT/run$r.txt 2>&1)
  echo "run $r $(date -u +%T) $(grep -h 'on: 400 conn' $OUT/run$r.txt | cut -c1-60) / $(grep -h 'on: 1000 conn' $OUT/run$r.txt | cut -c1-60)"
done
