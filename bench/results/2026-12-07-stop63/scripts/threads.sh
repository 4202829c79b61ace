#!/bin/bash
# threads.sh nc|corral CONN DUR [SCEN] — CPU a request by process and thread over a DUR s window after a
# WARM s warm-up (default 3), both ended as the bench ends its runs (no requests cut). ROOT=<checkout>.
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
export BENCH_UPSTREAM_CONNECTIONS=3000
PORT=8135; SCEN=${4:-fanout}; LUA=$PWD/bench/load/wrk-report.lua
[ "$SCEN" != hello ] && start_upstream 9420 300 /tmp/threads-upt.log
start_server $1 $PORT $SCEN /tmp/threads-t.log
BENCH_WRK_SEND_MS=$((${WARM:-3}*1000)) wrk -t2 -c$2 -d$((${WARM:-3}+3))s -s $LUA http://127.0.0.1:$PORT/ > /dev/null
snap() { for p in $master $(pgrep -P $master); do for t in /proc/$p/task/*; do echo "$p $(basename $t) $(cat $t/comm | tr ' ' _) $(awk '{print $14, $15}' $t/stat)"; done; done; }
snap > /tmp/threads-t-a
(sleep $3; snap > /tmp/threads-t-b) & sp=$!
BENCH_WRK_SEND_MS=$(($3*1000)) wrk -t2 -c$2 -d$(($3+3))s -s $LUA http://127.0.0.1:$PORT/ > /tmp/threads-t.wrk
wait $sp
kill -TERM $master; [ -n "$up" ] && kill -TERM $up; sleep 1
python3 - $master $2 $3 <<'PY'
import sys,json,collections
master,C,D=sys.argv[1],int(sys.argv[2]),float(sys.argv[3])
j=json.loads([l for l in open('/tmp/threads-t.wrk') if l.startswith('{')][-1]); n=max(1,j['sent']-C)
a={(l.split()[0],l.split()[1]):l.split() for l in open('/tmp/threads-t-a')}
u=collections.Counter(); s=collections.Counter()
for l in open('/tmp/threads-t-b'):
    p,t,c,uu,ss=l.split(); o=a.get((p,t),[p,t,c,'0','0'])
    k=('master' if p==master else 'worker', 'main' if t==p else c)
    u[k]+=int(uu)-int(o[3]); s[k]+=int(ss)-int(o[4])
f=lambda x:x*10000/n
print(f"answers {n} ({n/D:.0f}/s) shed {j['status']} | total {f(sum(u.values())+sum(s.values())):.1f} us/answer, {(sum(u.values())+sum(s.values()))/D:.1f} ticks/s")
for k in sorted(set(u)|set(s), key=lambda k:-(u[k]+s[k])):
    if u[k]+s[k]: print(f"   {k[0]:6} {k[1]:16} user {f(u[k]):6.1f} sys {f(s[k]):6.1f}  ({(u[k]+s[k])/D:.1f} ticks/s)")
PY
