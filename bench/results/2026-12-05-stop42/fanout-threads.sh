#!/bin/bash
# Where a fan-out request's CPU goes, by thread: one server (WHO=corral or nc, node:cluster + undici)
# runs bench/scenarios/$SCEN.ts (or the anchor's handler) at C connections against the upstream
# simulator; after a 3 s warm-up, one 10 s wrk window with a graceful end (BENCH_WRK_SEND_MS: wrk
# stops sending and lets the answers in flight arrive), and each of the server's threads' user and
# system ticks (10 ms) from /proc over that window. Run from the repository root with dist built.
#   WHO=nc bash bench/results/2026-12-05-stop42/fanout-threads.sh; WHO=corral bash …
# NODE (default: Node 26 from /work/node-versions), SCEN (fanout), C (1000), EXTRA (more `corral serve` flags).
set -u
NODE=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}; SCEN=${SCEN:-fanout}; C=${C:-1000}; WHO=${WHO:-corral}; EXTRA=${EXTRA:-}
cd "$(git rev-parse --show-toplevel)"
PORT=9400 BENCH_UPSTREAM_PROCESSES=2 setsid $NODE bench/upstream/simulator.cjs > /dev/null 2>&1 &
SIM=$!; sleep 1
export BENCH_UPSTREAM=http://127.0.0.1:9400 BENCH_DELAY_MS=300 BENCH_UPSTREAM_CONNECTIONS=1024 BENCH_WORKERS=2 BENCH_SCENARIO=$SCEN PORT=8200
if [ $WHO = nc ]; then setsid $NODE bench/anchors/node/cluster.cjs > /dev/null 2>&1 &
else setsid $NODE dist/cli/main.js serve bench/scenarios/$SCEN.ts --workers 2 --bind 127.0.0.1:8200 --admin-bind off --control-socket off --access-log off $EXTRA > /dev/null 2>&1 & fi
P=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:8200/ && break; sleep 0.2; done
BENCH_WRK_SEND_MS=3000 wrk -t2 -c$C -d5s -s bench/load/wrk-report.lua http://127.0.0.1:8200/ > /dev/null 2>&1
# pid/task, thread name, user ticks, system ticks, for every thread of the server's session
dump() { for t in /proc/[0-9]*/task/[0-9]*; do st=$(cat $t/stat 2>/dev/null) || continue; rest=${st##*) }; set -- $rest; [ "$4" = "$P" ] && echo "$t $(cat $t/comm | tr ' ' _) ${12} ${13}"; done; }
before=$(mktemp); after=$(mktemp); out=$(mktemp)
dump > $before
BENCH_WRK_SEND_MS=10000 wrk -t2 -c$C -d12s -s bench/load/wrk-report.lua http://127.0.0.1:8200/ > $out 2>&1
dump > $after
grep -E "requests in|Non-2xx" $out
join <(sort $before) <(sort $after) | awk '{ u[$2] += $6 - $3; s[$2] += $7 - $4 } END { for (k in u) if (u[k] + s[k] > 0) print k, "user", u[k], "sys", s[k] }'
kill -TERM -- -$P; sleep 1; kill -TERM -- -$SIM; rm -f $before $after $out
