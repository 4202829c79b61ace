#!/bin/bash
# A/B: alternate builds; args: tag app(fanout|shop) node runs builds...
tag=$1; app=$2; node=$3; runs=$4; shift 4
for r in $(seq 1 $runs); do
  for b in "$@"; do
    case $b in new) root=/work/wt-lead47;; main) root=/work/wt-before;; *) root=/work/wt-$b;; esac
    cd $root
    if [ $app = fanout ]; then
      PATH=$(dirname $node):$PATH timeout 400 $node --import tsx bench/fanout-overload.ts --connections ${LEVELS:-20,1000,10000} --seconds 10 --warmup 5 --modes on > /work/exp47/$tag-$b-$r.log 2>&1
    else
      PATH=$(dirname $node):$PATH timeout 400 $node --import tsx bench/shop-product.ts --connections ${LEVELS:-20,400,1000} --seconds 10 --warmup 5 --modes on > /work/exp47/$tag-$b-$r.log 2>&1
    fi
    git -C $root checkout -q bench/results/latest.md 2>/dev/null
    echo "$tag-$b-$r: $(grep -E '^\s+at [0-9]+:' /work/exp47/$tag-$b-$r.log | sed 's/(issue[^)]*)//g' | tr '\n' ' ')"
  done
done
