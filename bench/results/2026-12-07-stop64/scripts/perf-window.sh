#!/bin/bash
# perf-window.sh nc|corral CONN DUR SCEN OUT — cpu-clock profile (F a second, default 1999; GRAPH=1 for call
# stacks) of the workers, JIT frames named (--perf-basic-prof), over a window that wrk ends as the bench ends
# its runs, after a warm-up ended the same way (bench/load/wrk-report.lua: no request cut in flight, unlike
# stop 63's perf-record.sh). APP=<file> serves another app under corral. Prints the answers in the window.
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
export BENCH_UPSTREAM_CONNECTIONS=3000
PORT=8137; SCEN=${4:-hello}; OUT=$5; LUA=$PWD/bench/load/wrk-report.lua
[ "$SCEN" != hello ] && start_upstream 9421 ${DELAY:-300} /tmp/perf-win-up.log
start_server $1 $PORT $SCEN /tmp/perf-win-$1.log --perf-basic-prof
BENCH_WRK_SEND_MS=$((${WARM:-3}*1000)) wrk -t2 -c$2 -d$((${WARM:-3}+3))s -s $LUA http://127.0.0.1:$PORT/ > /dev/null
pids=$(pgrep -P $master | tr '\n' ',' | sed 's/,$//')
BENCH_WRK_SEND_MS=$(($3*1000 + 1000)) wrk -t2 -c$2 -d$(($3+4))s -s $LUA http://127.0.0.1:$PORT/ > $OUT.wrk & wk=$!
sleep 0.5
perf record ${GRAPH:+-g} -F ${F:-1999} -e cpu-clock -p $pids -o $OUT.data -- sleep $3 2> /dev/null
wait $wk
kill -TERM $master; [ -n "$up" ] && kill -TERM $up; sleep 1
python3 -c "
import json,sys; j=json.loads([l for l in open('$OUT.wrk') if l.startswith('{')][-1]); n=j['sent']-$2
print('answers in the window (estimate):', int(n*$3/($3+1.0)), 'shed', j['status'])"
