#!/bin/bash
# ustime.sh nc|corral CONN DUR SCEN — user and system CPU a request of the workers' main threads and the rest (fan-out by default)
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
PORT=8129; SCEN=${4:-fanout}
[ "$SCEN" != hello ] && start_upstream 9414 ${DELAY:-300} /tmp/us-up.log
start_server $1 $PORT $SCEN /tmp/us-$1.log
wrk -t2 -c$2 -d3s http://127.0.0.1:$PORT/ > /dev/null
snap() { for p in $master $(pgrep -P $master); do for t in /proc/$p/task/*; do echo "$p $(basename $t) $(cat $t/comm | tr ' ' _) $(awk '{print $14, $15}' $t/stat)"; done; done; }
snap > /tmp/us-a
wrk -t2 -c$2 -d${3:-6}s http://127.0.0.1:$PORT/ > /tmp/us-$1.wrk
snap > /tmp/us-b
kill -TERM $master; [ -n "$up" ] && kill -TERM $up; sleep 1
reqs=$(grep "requests in" /tmp/us-$1.wrk | awk '{print $1}')
python3 - $reqs $master "$1 c$2 $SCEN $(grep Requests/sec /tmp/us-$1.wrk | tr -s ' ')" <<'PY'
import sys,collections
reqs=int(sys.argv[1]); master=sys.argv[2]
a={(l.split()[0],l.split()[1]):l.split() for l in open('/tmp/us-a')}
u=collections.Counter(); s=collections.Counter()
for l in open('/tmp/us-b'):
    p,t,c,uu,ss=l.split()
    o=a.get((p,t),[p,t,c,'0','0'])
    role='master' if p==master else 'worker'
    key=(role, 'main' if t==p else c)
    u[key]+=int(uu)-int(o[3]); s[key]+=int(ss)-int(o[4])
f=lambda x: x*10000/reqs
print(sys.argv[3], f"| total user {f(sum(u.values())):.1f} sys {f(sum(s.values())):.1f} us/req")
for k in sorted(set(u)|set(s), key=lambda k:-(u[k]+s[k])):
    if u[k]+s[k]: print(f"   {k[0]:6} {k[1]:16} user {f(u[k]):6.1f} sys {f(s[k]):6.1f}")
PY
