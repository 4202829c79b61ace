#!/bin/bash
# Stop 52: perf profile of the server's workers during wrk -c1000 (10 s, 8 s sampled) on the fan-out, Node 26
# with --perf-basic-prof, for CFGS entries "who:scenario" (who: nc or corral; scenario: a bench/scenarios
# name or stop 50's fanout-nosig). Then the share of samples in undici's pool.js kGetDispatcher and in
# V8's scavenger, per config. Run from a built checkout; D is where the profiles go.
set -u
D=${D:-/tmp/r52}; CFGS=${CFGS:-nc:fanout corral:fanout corral:fanout-nosig corral:fanout-io}
mkdir -p $D
for cfg in $CFGS; do
  IFS=: read who scen <<< "$cfg"
  export WHO=$who SCEN=$scen C=1000 NODE_OPTS=--perf-basic-prof
  . bench/results/2026-12-06-stop50/serve-pair.sh
  sleep 2
  ( wrk -t2 -c1000 -d10s http://127.0.0.1:8200/ > $D/perf-$who-$scen.wrk 2>&1 & )
  sleep 1
  perf record -F 499 -g -p $W -o $D/perf-$who-$scen.data -- sleep 8 > /dev/null 2>&1
  sleep 2
  stop_pair; sleep 2
  perf report -i $D/perf-$who-$scen.data --no-children --sort symbol --stdio 2>/dev/null | grep -E "^ +[0-9]" |
    awk -v s="$who $scen" -v r="$(grep Requests/sec $D/perf-$who-$scen.wrk | awk '{print $2}')" \
      '/pool.js:99/ {p+=$1} /Scaveng/ {g+=$1} END {print s ": " r " rps, kGetDispatcher " p "%, scavenger " g "%"}'
done
