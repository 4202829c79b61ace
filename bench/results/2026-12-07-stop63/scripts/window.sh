#!/bin/bash
# window.sh SCEN CONN DUR ROUNDS — servers in turn (VARIANTS: nc, corral, nooc, or a stop 61 variant name
# such as ownlight), each started fresh: a 3 s warm-up, then a DUR s window. Prints, for the window: answers
# that were not shed a second, shed answers (503), p99, the server's CPU µs an answer (all its processes
# and threads, /proc), and TCP connections opened on the machine (nstat TcpActiveOpens; wrk opens CONN).
#
# The warm-up ends as the bench's runs do (bench/load/wrk-report.lua): wrk stops sending and lets the
# answers in flight arrive. CUT=1 ends it as a bare `wrk -d3s` does instead, closing CONN connections with
# their requests in flight, as stop 61's scripts did.
# Run from a checkout with dist/ built: ROOT=<checkout> bash window.sh fanout 1000 8 3
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
export BENCH_UPSTREAM_CONNECTIONS=3000
SCEN=$1; C=$2; D=$3; LUA=$PWD/bench/load/wrk-report.lua; PORT=8134
V=bench/results/2026-12-07-stop61/variants
[ "$SCEN" != hello ] && start_upstream 9419 ${DELAY:-300} /tmp/window-up.log
grp() { local t=0; for p in $master $(pgrep -P $master); do for s in /proc/$p/task/*/stat; do t=$((t + $(awk '{print $14+$15}' $s))); done; done; echo $t; }
opens() { nstat -az TcpActiveOpens | awk '/TcpActiveOpens/ {print $2}'; }
for r in $(seq 1 $4); do
  for v in ${VARIANTS:-nc corral}; do
    case $v in
      nc) start_server nc $PORT $SCEN /tmp/window-srv.log;;
      corral) start_server corral $PORT $SCEN /tmp/window-srv.log;;
      nooc) EXTRA=--no-overload-control start_server corral $PORT $SCEN /tmp/window-srv.log;;
      *) APP=$V/fanout-$v.ts; [ -f $APP ] || APP=$V/fanout-$v.cjs; APP=$APP start_server corral $PORT $SCEN /tmp/window-srv.log;;
    esac
    if [ -n "$CUT" ]; then wrk -t2 -c$C -d3s http://127.0.0.1:$PORT/ > /dev/null
    else BENCH_WRK_SEND_MS=3000 wrk -t2 -c$C -d6s -s $LUA http://127.0.0.1:$PORT/ > /dev/null; fi
    c0=$(grp); o0=$(opens)
    (sleep $D; grp > /tmp/window.c1; opens > /tmp/window.o1) & sp=$!
    BENCH_WRK_SEND_MS=$((D * 1000)) wrk -t2 -c$C -d$((D + 3))s -s $LUA http://127.0.0.1:$PORT/ > /tmp/window.wrk
    wait $sp
    kill -TERM $master; sleep 1.5
    python3 - "$r" "$v" "$C" "$D" "$c0" "$(cat /tmp/window.c1)" "$o0" "$(cat /tmp/window.o1)" <<'PY'
import json, sys
r, v = sys.argv[1], sys.argv[2]
C, D, c0, c1, o0, o1 = int(sys.argv[3]), float(sys.argv[4]), *map(int, sys.argv[5:9])
j = json.loads([l for l in open('/tmp/window.wrk') if l.startswith('{')][-1])
answered = max(0, j['sent'] - C)  # as bench/load/wrk.ts counts a window
ok = 1 - j['status'] / max(1, j['requests'])
print(f"r{r} {v:10} ok_rps {answered * ok / D:6.0f} shed {j['status']:5d} p99 {j['p99_us'] / 1000:6.0f} ms"
      f"  cpu {(c1 - c0) * 10000 / max(1, answered):6.1f} us/answer  opens {o1 - o0}")
PY
  done
done
[ -n "$up" ] && kill -TERM $up
true
