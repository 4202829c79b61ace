#!/bin/bash
# ramp.sh ROUNDS — the bench's fan-out sequence for each server in VARIANTS (nc corral nooc, or c@--flag,value: corral with settings): a c50 warm-up (2 s),
# closed 100 (8 s), then closed 1000 (8 s), every run ended as the bench ends its runs. During the c1000 run the
# server's CPU (all processes and threads, /proc) is sampled every 0.5 s: where in the run corral spends more.
# Since stop 65 also: n@--node-flag[,…] (corral with Node flags on its master, which its workers inherit),
# nn@--node-flag[,…] (node:cluster with them), x@FILE (a node:cluster program of its own, e.g.
# ../../2026-12-08-stop65/variants/cluster-cancel.cjs), and SCEN= for another scenario than fanout.
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
export BENCH_UPSTREAM_CONNECTIONS=3000
PORT=8138; LUA=$PWD/bench/load/wrk-report.lua
start_upstream 9422 300 /tmp/ramp-up.log
grp() { local t=0; for p in $master $(pgrep -P $master); do for s in /proc/$p/task/*/stat; do t=$((t + $(awk '{print $14+$15}' $s))); done; done; echo $t; }
run() { BENCH_WRK_SEND_MS=$(($2*1000)) wrk -t2 -c$1 -d$(($2+3))s -s $LUA http://127.0.0.1:$PORT/ > /tmp/ramp.wrk; }
for r in $(seq 1 $1); do
  for v in ${VARIANTS:-nc corral}; do
    S=${SCEN:-fanout}
    case $v in nc|corral|x@*) start_server $v $PORT $S /tmp/ramp-srv.log;;
      nooc) EXTRA=--no-overload-control start_server corral $PORT $S /tmp/ramp-srv.log;;
      n@*) start_server corral $PORT $S /tmp/ramp-srv.log $(echo ${v#n@} | tr , ' ');;
      nn@*) start_server nc $PORT $S /tmp/ramp-srv.log $(echo ${v#nn@} | tr , ' ');;
      c@*) EXTRA="$(echo ${v#c@} | tr , ' ')" start_server corral $PORT $S /tmp/ramp-srv.log;; esac
    run 50 2; run 100 8
    ( prev=$(grp); for i in $(seq 1 22); do sleep 0.5; t=$(grp); echo -n "$((t - prev)) "; prev=$t; done; echo ) > /tmp/ramp.cpu & sp=$!
    run 1000 8; wait $sp
    kill -TERM $master; sleep 1.5
    python3 - "$r" "$v" <<'PY'
import json, sys
j = json.loads([l for l in open('/tmp/ramp.wrk') if l.startswith('{')][-1])
n = max(0, j['sent'] - 1000)
cpu = list(map(int, open('/tmp/ramp.cpu').read().split()))
print(f"r{sys.argv[1]} {sys.argv[2]:7} rps {n/8:5.0f} shed {j['status']:4d} p99 {j['p99_us']/1000:5.0f} ms cpu/answer {sum(cpu[:16])*1e4/max(1,n):5.0f} us | ticks per 0.5 s: {' '.join(map(str, cpu))}")
PY
  done
done
kill -TERM $up
