#!/bin/bash
# idle CPU of corral serving $APP with 2 workers, per thread, over 10 s: NODE APP
NODE=$1; APP=${2:-bench/scenarios/hello.ts}
cd /work/wt-lead47
setsid $NODE dist/cli/main.js serve $APP --workers 2 --bind 127.0.0.1:8411 --admin-bind off --control-socket off --access-log off > /tmp/idle.log 2>&1 &
P=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:8411/ && break; sleep 0.2; done
for i in $(seq 1 200); do curl -s -o /dev/null http://127.0.0.1:8411/; done
sleep 3
dump() { for t in /proc/[0-9]*/task/[0-9]*; do st=$(cat $t/stat 2>/dev/null) || continue; rest=${st##*) }; set -- $rest; [ "$4" = "$P" ] && echo "$t $(cat $t/comm | tr ' ' _) ${12} ${13}"; done; }
b=$(mktemp); a=$(mktemp); dump > $b; sleep 10; dump > $a
join <(sort $b) <(sort $a) | awk '{ u[$2] += $6 - $3; s[$2] += $7 - $4 } END { for (k in u) if (u[k] + s[k] > 0) print k, "user", u[k], "sys", s[k] }'
kill -TERM -- -$P; sleep 1
