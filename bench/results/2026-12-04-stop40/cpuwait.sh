#!/bin/bash
# the CPU-wait meter (X_CPUWAIT) against main's, at 10,000 connections, alternating
NODE=${NODE:-node}; ROUNDS=${ROUNDS:-3}
cd /work/wt-y40
for r in $(seq 1 $ROUNDS); do
  for cfg in "default|" "cpuwait|X_CPUWAIT=1"; do
    IFS='|' read name envs <<<"$cfg"
    echo "== round $r $($NODE -v) $name"
    env $envs timeout 300 $NODE --import tsx bench/fanout-overload.ts --connections 20,10000 --seconds 10 --warmup 5 --modes on 2>&1 | grep -E "^  on: 10000"
  done
done
