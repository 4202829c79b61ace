#!/bin/bash
# Stop 52, run from anywhere with CFGS set (tree:who:scenario, each tree a built checkout). Alternating rounds: wrk -c1000 10 s on the fan-out, rps, mean latency and CPU µs/request of the
# server's processes (from /proc, all processes of its session). CFGS: "tree:who:scen" entries.
set -u
R=${R:-3}
for r in $(seq 1 $R); do for cfg in $CFGS; do
  IFS=: read tree who scen <<< "$cfg"
  cd $tree; export WHO=$who SCEN=$scen C=1000
  . bench/results/2026-12-06-stop50/serve-pair.sh
  pids=$(pgrep -s $P | tr '\n' ' ')
  cpu() { local t=0; for p in $pids; do set -- $(cut -d' ' -f14,15 /proc/$p/stat 2>/dev/null); t=$((t + ${1:-0} + ${2:-0})); done; echo $t; }
  c0=$(cpu)
  out=$(wrk -t2 -c1000 -d10s --latency http://127.0.0.1:8200/ 2>&1)
  c1=$(cpu)
  n=$(echo "$out" | grep -E "requests in" | awk '{print $1}')
  echo "round $r $(basename $tree) $who $scen: $(echo "$out" | grep -E 'Requests/sec' | tr -s ' ') mean $(echo "$out" | grep -E '^ +Latency +[0-9]' | awk '{print $2}') cpu/req $(python3 -c "print(round(($c1-$c0)*10000/$n,1))") µs"
  stop_pair; sleep 2
done; done
