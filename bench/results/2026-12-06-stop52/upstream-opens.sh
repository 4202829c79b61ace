#!/bin/bash
# Stop 52, CFGS entries tree:who:scenario (each tree a built checkout). Per config: the fan-out at 1,000 connections, three wrk windows of 8 s after serve-pair's 5 s warm-up,
# each after a 2 s rest (as bench/run.ts's rounds are); per window rps and the host's TCP passive opens
# (wrk's 1,000 connects to the server plus the server's new upstream connections to the simulator).
set -u
R=${R:-1}
popens() { awk '/^Tcp:/ { if (h) { print $7; exit } ; h=1 }' /proc/net/snmp; }
for r in $(seq 1 $R); do for cfg in $CFGS; do
  IFS=: read tree who scen <<< "$cfg"
  cd $tree; export WHO=$who SCEN=$scen C=1000
  . bench/results/2026-12-06-stop50/serve-pair.sh
  line="round $r $who $scen:"
  for w in 1 2 3; do
    sleep 2; o0=$(popens)
    out=$(wrk -t2 -c1000 -d8s http://127.0.0.1:8200/ 2>&1)
    o1=$(popens)
    line="$line | $(echo "$out" | grep -E 'Requests/sec' | awk '{print $2}') rps, $((o1 - o0)) opens"
  done
  echo "$line"
  stop_pair; sleep 2
done; done
