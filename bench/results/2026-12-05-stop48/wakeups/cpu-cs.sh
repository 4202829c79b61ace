#!/bin/bash
# The workers' CPU (task-clock) and context switches over one 10 s wrk window (perf stat), per request: WHO=nc|corral, SCEN (fanout-io), C (100), EXTRA (more `corral serve` flags), NODE (Node 26).
NODE_OPTS=${NODE_OPTS---perf-basic-prof}
D=${D:-10}
source "$(dirname "$0")/serve-pair.sh"
out=$(mktemp)
perf stat -e task-clock,context-switches -p $W -o ${TMPDIR:-/tmp}/cpu-cs-$WHO.txt -- sleep $((D+1)) &
PS=$!
sleep 0.3
wrk -t2 -c$C -d${D}s http://127.0.0.1:8200/ > $out 2>&1
wait $PS
grep -E "requests in" $out
grep -E "task-clock|context-switches" ${TMPDIR:-/tmp}/cpu-cs-$WHO.txt
stop_pair; rm -f $out
