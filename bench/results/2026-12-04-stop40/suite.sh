#!/bin/bash
# Stop 40: issue 11's and 12's done-when figures on this VM, serially (each bench shares the 2 CPUs).
# Run from the worktree root with dist built: bash bench/results/2026-12-04-stop40/suite.sh
set -u
D=bench/results/2026-12-04-stop40
N26=/work/node-versions/n26/node_modules/node/bin/node
run() { local name=$1; shift; echo "== $(date -u +%H:%M:%S) $name: $*" | tee -a $D/suite.log; "$@" > $D/$name.log 2>&1; echo "   rc=$? $(date -u +%H:%M:%S)" | tee -a $D/suite.log; }
run fan-n20 node --import tsx bench/fanout-overload.ts --connections 20,50,100,200,400,1000,10000 --seconds 10 --warmup 5 --modes on,off
run fan-n26 $N26 --import tsx bench/fanout-overload.ts --connections 20,50,100,200,400,1000,10000 --seconds 10 --warmup 5 --modes on,off
run shop-n20 node --import tsx bench/shop-product.ts --connections 20,50,100,200,400,1000 --seconds 10 --warmup 5 --modes on,off
run shop-n26 $N26 --import tsx bench/shop-product.ts --connections 20,50,100,200,400,1000 --seconds 10 --warmup 5 --modes on,off
