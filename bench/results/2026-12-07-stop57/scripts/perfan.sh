#!/bin/bash
# perfan.sh nc|corral CONN — perf samples of one worker during a fan-out load; grep V8 runtime slow paths
. "$(dirname "$(readlink -f "$0")")/lib.sh"
PORT=8129
start_upstream 9413 ${DELAY:-300} /tmp/pf-up.log
start_server $1 $PORT ${SCEN:-fanout} /tmp/pf-$1.log --perf-basic-prof
wrk -t2 -c$2 -d3s http://127.0.0.1:$PORT/ > /dev/null
pids=$(pgrep -P $master | tr '\n' ',' | sed 's/,$//')
wrk -t2 -c$2 -d8s http://127.0.0.1:$PORT/ > /tmp/pf-$1.wrk & wk=$!
sleep 1
perf record -F 499 -p $pids -o /tmp/pf-$1.data -- sleep 5 2>/dev/null >/dev/null
wait $wk
kill -TERM $master $up; sleep 1
echo "$1 $(grep -E 'Requests/sec' /tmp/pf-$1.wrk)"
perf report -i /tmp/pf-$1.data --sort sym --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -${TOP:-25}
