#!/bin/bash
# How 1,000 connections opened at once split between two workers (src/arbiter/share.ts). Per round:
# stop 50's serve-pair.sh starts the upstream simulator and one server (WHO=corral with $EXTRA, or
# WHO=nc for node:cluster) from this worktree, serving SCEN (default fanout), warmed for 5 s; then
# `wrk -t2 -c1000 -d8s` and, 4 s in, the established connections each worker holds (ss, by pid).
# R rounds, a fresh server each. Prints the split and wrk's rps per round.
set -u
cd "$(git rev-parse --show-toplevel)"
export SCEN=${SCEN:-fanout} C=1000
for r in $(seq 1 ${R:-4}); do
  . bench/results/2026-12-06-stop50/serve-pair.sh
  wrk -t2 -c1000 -d8s http://127.0.0.1:8200/ > /tmp/split-wrk.out 2>&1 &
  WRK=$!
  sleep 4
  line=""
  for w in $(echo $W | tr ',' ' '); do
    line="$line $(ss -tnpH state established '( sport = :8200 )' 2>/dev/null | grep "pid=$w," | awk '{print $4}' | sort -u | wc -l)"
  done
  wait $WRK
  echo "$WHO ${EXTRA:-} round $r split:$line $(grep -E 'Requests/sec|Non-2xx' /tmp/split-wrk.out | tr -s ' ' | tr '\n' ' ')"
  stop_pair; sleep 2
done
