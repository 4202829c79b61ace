#!/bin/bash
# Wakeups of a worker that waits: one request in flight for 12 s (fanout-io with the upstream simulator
# answering after 12 s), one worker; counts the worker's voluntary context switches, per thread, over
# 8 s of the wait. Each is a sleep the thread woke from. Usage: ROOT=<worktree> [EXTRA=...] [NODE=...] idle-wakeups.sh
set -u
ROOT=${ROOT:-$(git rev-parse --show-toplevel)}; EXTRA=${EXTRA:-}; NODE=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}
cd "$ROOT"
PORT=9400 BENCH_UPSTREAM_PROCESSES=1 setsid $NODE bench/upstream/simulator.cjs > /dev/null 2>&1 &
SIM=$!; sleep 1
export BENCH_UPSTREAM=http://127.0.0.1:9400 BENCH_DELAY_MS=12000 BENCH_WORKERS=1
setsid $NODE dist/cli/main.js serve bench/scenarios/fanout-io.ts --workers 1 --bind 127.0.0.1:8200 --admin-bind off --control-socket off --access-log off $EXTRA > /dev/null 2>&1 &
P=$!
for i in $(seq 1 100); do ss -Htln '( sport = :8200 )' | grep -q . && break; sleep 0.2; done
sleep 2
W=$(pgrep -s $P | grep -v "^$P$" | head -1)
curl -s -o /dev/null -m 20 http://127.0.0.1:8200/ & C=$!
sleep 2
snap() { for t in /proc/$W/task/*; do echo "$(cat $t/comm) $(awk '/^voluntary_ctxt_switches/{print $2}' $t/status)"; done | awk '{a[$1]+=$2} END{for (k in a) print k, a[k]}' | sort; }
snap > /tmp/iw-a; sleep 8; snap > /tmp/iw-b
join /tmp/iw-a /tmp/iw-b | awk '{d=($3-$2)/8; if (d >= 0.5) printf "%s %.1f/s  ", $1, d; t+=d} END{printf "| all threads %.1f/s\n", t}'
wait $C
kill -TERM -- -$P; sleep 1; kill -TERM -- -$SIM
