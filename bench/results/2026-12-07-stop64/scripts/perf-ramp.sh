#!/bin/bash
# perf-ramp.sh nc|corral OUT [SECONDS] — ramp.sh's sequence (c50 2 s, c100 8 s, then c1000 8 s) for one server, with
# a cpu-clock profile of its workers (JIT frames named) over the first SECONDS (default 4) of the c1000 run: the
# step up in connections. Prints the c1000 run's answers.
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
export BENCH_UPSTREAM_CONNECTIONS=3000
PORT=8139; LUA=$PWD/bench/load/wrk-report.lua; OUT=$2
start_upstream 9423 300 /tmp/perf-ramp-up.log
start_server $1 $PORT fanout /tmp/perf-ramp-srv.log --perf-basic-prof
run() { BENCH_WRK_SEND_MS=$(($2*1000)) wrk -t2 -c$1 -d$(($2+3))s -s $LUA http://127.0.0.1:$PORT/ > $OUT.wrk; }
run 50 2; run 100 8
pids=$(pgrep -P $master | tr '\n' ',' | sed 's/,$//')
perf record ${GRAPH:+-g} -F ${F:-999} -e cpu-clock -p $pids -o $OUT.data -- sleep ${3:-4} 2> /dev/null & pp=$!
run 1000 8; wait $pp
kill -TERM $master; kill -TERM $up; sleep 1
python3 -c "
import json; j=json.loads([l for l in open('$OUT.wrk') if l.startswith('{')][-1]); n=j['sent']-1000
print('answers', n, 'rps', n/8, 'shed', j['status'])"
