#!/bin/bash
# rests and backlog at 10,000 connections (experimental dist: X_PAUSE, X_BACKOFF)
NODE=${NODE:-node}; ROUNDS=${ROUNDS:-2}
cd /work/wt-y40
for r in $(seq 1 $ROUNDS); do
  for cfg in "default||" "rest600|X_PAUSE=600 X_BACKOFF=600|" "cpuwait|X_CPUWAIT=1|" "cpuwait+rest600|X_CPUWAIT=1 X_PAUSE=600 X_BACKOFF=600|" "backlog||--backlog 4096"; do
    IFS='|' read name envs sargs <<<"$cfg"
    echo "== round $r $($NODE -v) $name"
    env $envs timeout 300 $NODE --import tsx bench/fanout-overload.ts --connections 20,10000 --seconds 10 --warmup 5 --modes on ${sargs:+--server-args="$sargs"} 2>&1 | grep -E "^  on:|at 10000"
  done
done
