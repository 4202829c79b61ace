#!/bin/bash
# perf-record.sh nc|corral CONN DUR SCEN OUT — cpu-clock profile (F a second, default 1999; GRAPH=1 for call stacks)
# of the workers under wrk, JIT frames named (--perf-basic-prof). Its bare wrk warm-up cuts requests in flight:
# for a scenario that waits on an upstream, read the CPU of window.sh or threads.sh instead.
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
PORT=8131; SCEN=${4:-hello}; OUT=$5
[ "$SCEN" != hello ] && start_upstream 9416 ${DELAY:-300} /tmp/perf-rec-up.log
start_server $1 $PORT $SCEN /tmp/perf-rec-$1.log --perf-basic-prof
wrk -t2 -c$2 -d3s http://127.0.0.1:$PORT/ > /dev/null
pids=$(pgrep -P $master | tr '\n' ',' | sed 's/,$//')
wrk -t2 -c$2 -d$(( $3 + 1 ))s http://127.0.0.1:$PORT/ > $OUT.wrk & wk=$!
sleep 0.5
perf record ${GRAPH:+-g} -F ${F:-1999} -e cpu-clock -p $pids -o $OUT.data -- sleep $3 2> /dev/null
wait $wk
kill -TERM $master; [ -n "$up" ] && kill -TERM $up; sleep 1
grep -E "Requests/sec|requests in" $OUT.wrk | tr -s ' '
