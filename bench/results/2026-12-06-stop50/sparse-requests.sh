#!/bin/bash
set -u
# One worker serving bench/scenarios/hello.ts (Node 26), 200 requests one at a time (a new curl every 50 ms):
# per request, each thread's CPU (schedstat) and voluntary context switches. EXTRA: more `corral serve` flags.
N=/work/node-versions/n26/node_modules/node/bin/node
cd "$(git rev-parse --show-toplevel)"
setsid $N dist/cli/main.js serve bench/scenarios/hello.ts --workers 1 --bind 127.0.0.1:8300 --admin-bind off --control-socket off --access-log off ${EXTRA:-} >/dev/null 2>&1 &
P=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:8300/ && break; sleep 0.2; done
sleep 3
W=$(pgrep -s $P | grep -v "^$P$")
snap() { for t in /proc/$W/task/*; do echo "$(cat $t/comm | tr ' ' _) $(cut -d' ' -f1 $t/schedstat) $(awk '/^voluntary/{print $2}' $t/status)"; done; }
snap > ${TMPDIR:-/tmp}/sparse-s0; for i in $(seq 1 200); do curl -s -o /dev/null http://127.0.0.1:8300/; sleep 0.05; done; snap > ${TMPDIR:-/tmp}/sparse-s1
echo "corral ${EXTRA:-}, 1 worker, 200 sparse requests: per request, by thread (us CPU, voluntary switches)"
paste ${TMPDIR:-/tmp}/sparse-s0 ${TMPDIR:-/tmp}/sparse-s1 | awk '{d=($5-$2)/200/1000; v=($6-$3)/200; if (d>1||v>0.1) printf "  %-20s %7.0f us %6.2f cs\n", $1, d, v}'
kill -TERM -- -$P; sleep 1
