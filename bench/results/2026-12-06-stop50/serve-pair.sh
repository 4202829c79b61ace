# Stop 48's serve-pair.sh with the upstream pool sized as the bench sizes it for 1,000 connections (UPCONN, default
# 3,000 a worker), and SCEN may name a scenario under this folder (scenarios/fanout-nosig.ts).
# Sourced by listen-overflows.sh: starts the upstream simulator (2 processes, 300 ms) and one
# server on 127.0.0.1:8200 (WHO=nc: node:cluster + undici; WHO=corral: `corral serve` of
# bench/scenarios/$SCEN.ts or this folder's scenarios/$SCEN.ts, with $EXTRA), each in its own session; warms it with 5 s of wrk at $C
# connections. Leaves P (the server's session), SIM, W (the server's workers, comma-separated) and
# stop_pair. NODE_OPTS: Node options for the server (cpu-cs.sh ran with --perf-basic-prof).
set -u
NODE=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}; SCEN=${SCEN:-fanout-io}; C=${C:-100}; WHO=${WHO:-corral}; EXTRA=${EXTRA:-}
cd "$(git rev-parse --show-toplevel)"
PORT=9400 BENCH_UPSTREAM_PROCESSES=2 setsid $NODE bench/upstream/simulator.cjs > /dev/null 2>&1 &
SIM=$!; sleep 1
export BENCH_UPSTREAM=http://127.0.0.1:9400 BENCH_DELAY_MS=300 BENCH_UPSTREAM_CONNECTIONS=${UPCONN:-3000} BENCH_WORKERS=2 BENCH_SCENARIO=$SCEN PORT=8200
if [ $WHO = nc ]; then NODE_OPTIONS=${NODE_OPTS:-} setsid $NODE bench/anchors/node/cluster.cjs > /dev/null 2>&1 &
else NODE_OPTIONS=${NODE_OPTS:-} setsid $NODE dist/cli/main.js serve $( [ -f bench/scenarios/$SCEN.ts ] && echo bench/scenarios/$SCEN.ts || echo bench/results/2026-12-06-stop50/scenarios/$SCEN.ts ) --workers 2 --bind 127.0.0.1:8200 --admin-bind off --control-socket off --access-log off $EXTRA > /dev/null 2>&1 & fi
P=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:8200/ && break; sleep 0.2; done
wrk -t2 -c$C -d5s http://127.0.0.1:8200/ > /dev/null 2>&1
W=$(pgrep -s $P | grep -v "^$P$" | tr '\n' ',' | sed 's/,$//')
stop_pair() { kill -TERM -- -$P; sleep 1; kill -TERM -- -$SIM; }
