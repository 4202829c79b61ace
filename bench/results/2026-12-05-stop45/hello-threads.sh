#!/bin/bash
# hello by thread: WHO=nc|corral, C connections, 10 s wrk window, per-thread ticks from /proc.
set -u
NODE=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}; C=${C:-100}; WHO=${WHO:-corral}; EXTRA=${EXTRA:-}; ROOT=${ROOT:-$(git rev-parse --show-toplevel)}
cd "$ROOT"
export BENCH_WORKERS=2 BENCH_SCENARIO=hello PORT=8200
if [ $WHO = nc ]; then setsid $NODE bench/anchors/node/cluster.cjs > /dev/null 2>&1 &
else setsid $NODE ${FLAGS:-} dist/cli/main.js serve bench/scenarios/hello.ts --workers 2 --bind 127.0.0.1:8200 --admin-bind off --control-socket off --access-log off $EXTRA > /dev/null 2>&1 & fi
P=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:8200/ && break; sleep 0.2; done
wrk -t2 -c$C -d3s http://127.0.0.1:8200/ > /dev/null 2>&1
dump() { for t in /proc/[0-9]*/task/[0-9]*; do st=$(cat $t/stat 2>/dev/null) || continue; rest=${st##*) }; set -- $rest; [ "$4" = "$P" ] && echo "$t $(cat $t/comm | tr ' ' _) ${12} ${13}"; done; }
before=$(mktemp); after=$(mktemp); out=$(mktemp)
dump > $before
wrk -t2 -c$C -d10s http://127.0.0.1:8200/ > $out 2>&1
dump > $after
N=$(awk '/requests in/ {print $1}' $out)
echo "$WHO requests $N"
join <(sort $before) <(sort $after) | awk -v n=$N '{ u[$2] += $6 - $3; s[$2] += $7 - $4 } END { for (k in u) if (u[k] + s[k] > 0) printf "  %-16s user %5d sys %5d  us/req %.2f\n", k, u[k], s[k], (u[k]+s[k])*10000/n }'
kill -TERM -- -$P; sleep 1; rm -f $before $after $out
