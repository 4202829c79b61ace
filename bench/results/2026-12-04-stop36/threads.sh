#!/bin/bash
# per-thread CPU (schedstat) of one worker of a corral server serving the idle app at c=100; $1 node, $2.. extra args
NODE=$1; shift; T=$(mktemp -d)
P=$((19000 + RANDOM % 900)); cd "$(git rev-parse --show-toplevel)"
setsid $NODE ${DIST:-dist}/cli/main.js serve bench/results/2026-12-04-stop36/wait-300ms-app.mjs --workers 2 --bind 127.0.0.1:$P --admin-bind off "$@" >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 200); do curl -s -o /dev/null http://127.0.0.1:$P/ && break; sleep 0.05; done
w=$(pgrep -P $pid | head -1)
wrk -t1 -c100 -d14s http://127.0.0.1:$P/ >/dev/null & wp=$!
sleep 3
snap() { for t in /proc/$1/task/*; do echo "$(basename $t) $(cat $t/comm) $(cut -d' ' -f1,3 $t/schedstat)"; done; }
snap $w > $T/a; snap $pid > $T/ma; sleep 10; snap $w > $T/b; snap $pid > $T/mb
wait $wp
kill -TERM -$pid; wait $pid 2>/dev/null
echo "worker $w [$*]:"; join $T/a $T/b | awk '{d=($6-$3)/1e7; s=($7-$4)/10; if (d>0.05) printf "  %s %-12s %.2f ms/s  %.0f wakeups/s\n", $1, $2, d, s}'
echo "master:"; join $T/ma $T/mb | awk '{d=($6-$3)/1e7; s=($7-$4)/10; if (d>0.05) printf "  %s %-12s %.2f ms/s  %.0f wakeups/s\n", $1, $2, d, s}'
rm -rf "$T"
