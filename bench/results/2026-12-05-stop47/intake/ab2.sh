#!/bin/bash
# A/B with env variants: tag app node runs variant... ; variant = name[:ENV=V,ENV=V] ; name main -> wt-before else wt-lead47
tag=$1; app=$2; node=$3; runs=$4; shift 4
for r in $(seq 1 $runs); do
  for v in "$@"; do
    name=${v%%:*}; envs=""; [[ $v == *:* ]] && envs=${v#*:}
    case $name in main) root=/work/wt-before;; *) root=/work/wt-lead47;; esac
    cd $root
    if [ $app = fanout ]; then
      env ${envs//,/ } PATH=$(dirname $node):$PATH timeout 400 $node --import tsx bench/fanout-overload.ts --connections ${LEVELS:-20,1000} --seconds 10 --warmup 5 --modes on $EXTRA > /work/exp47/$tag-$name-$r.log 2>&1
    else
      env ${envs//,/ } PATH=$(dirname $node):$PATH timeout 400 $node --import tsx bench/shop-product.ts --connections ${LEVELS:-20,400,1000} --seconds 10 --warmup 5 --modes on $EXTRA > /work/exp47/$tag-$name-$r.log 2>&1
    fi
    git -C $root checkout -q bench/results/latest.md 2>/dev/null
    echo "$tag-$name-$r: $(grep -E '^\s+at [0-9]+:' /work/exp47/$tag-$name-$r.log | sed 's/(issue[^)]*)//g; s/503s answered[^;]*; //g' | tr '\n' ' ')"
  done
done
