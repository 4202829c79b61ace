#!/bin/bash
# Per-thread CPU (schedstat: run time, and time slices as wake-ups) of one worker, and of the master,
# while wrk -t1 -c100 holds requests that each wait 300 ms. $1: node binary; the rest: corral settings.
# PLAIN=1: plain node:cluster serving the same wait (plain-wait-300ms.cjs) instead of corral.
NODE=$1; shift; T=$(mktemp -d); HERE=$(cd "$(dirname "$0")" && pwd)
P=$((19000 + RANDOM % 900)); cd "$(git rev-parse --show-toplevel)"
if [ -n "$PLAIN" ]; then PORT=$P setsid $NODE "$HERE"/plain-wait-300ms.cjs >/dev/null 2>&1 &
else setsid $NODE ${DIST:-dist}/cli/main.js serve "$HERE"/wait-300ms-app.mjs --workers 2 --bind 127.0.0.1:$P --admin-bind off "$@" >/dev/null 2>&1 &
fi
pid=$!
for i in $(seq 1 200); do curl -s -o /dev/null http://127.0.0.1:$P/ && break; sleep 0.05; done
w=$(pgrep -P $pid | head -1)
wrk -t1 -c100 -d14s http://127.0.0.1:$P/ >/dev/null & wp=$!
sleep 3
snap() { for t in /proc/$1/task/*; do echo "$(basename $t) $(cat $t/comm) $(cut -d' ' -f1,3 $t/schedstat)"; done; }
snap $w > $T/a; snap $pid > $T/ma; sleep 10; snap $w > $T/b; snap $pid > $T/mb
wait $wp
kill -TERM -$pid; wait $pid 2>/dev/null
per() { join $T/$1 $T/$2 | awk '{d=($6-$3)/1e7; s=($7-$4)/10; if (d>0.05) printf "  %s %-12s %.2f ms/s  %.0f wakeups/s\n", $1, $2, d, s}'; }
echo "worker $w [$*]:"; per a b
echo "master:"; per ma mb
rm -rf "$T"
