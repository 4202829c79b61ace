#!/bin/bash
# WHO=nc|corral SCEN=... C=50 : bytes allocated per request by the server's processes (Node 26), over an 8 s wrk run.
HERE=$(cd "$(dirname "$0")" && pwd)
cd ${TREE:-/work/main}
rm -f /tmp/alloc/*
NODE_OPTS="--require $HERE/alloc-preload.cjs" . bench/results/2026-12-06-stop50/serve-pair.sh
sleep 0.3
declare -A before; for w in $(echo $W | tr ',' ' '); do before[$w]=$(cat /tmp/alloc/$w); done
out=$(wrk -t2 -c$C -d8s http://127.0.0.1:8200/ 2>&1)
sleep 0.3
total=0; per=""
for w in $(echo $W | tr ',' ' '); do a=$(cat /tmp/alloc/$w); d=$((a - ${before[$w]})); per="$per $w:$((d/1000000))MB"; total=$((total + d)); done
reqs=$(echo "$out" | grep "requests in" | awk '{print $1}')
echo "$WHO $SCEN C=$C requests $reqs bytes/request $((total / reqs)) rps $(echo "$out" | grep Requests/sec | awk '{print $2}') per-process$per"
stop_pair; sleep 1
