#!/bin/bash
# hellocpu.sh nc|corral CONN DUR — per-thread CPU and GC allocation per request under hello load
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
PORT=8127
start_server $1 $PORT hello /tmp/hc-$1.log $FLAGS
wrk -t2 -c$2 -d2s http://127.0.0.1:$PORT/ > /dev/null
snap() { for p in $master $(pgrep -P $master); do for t in /proc/$p/task/*; do echo "$p $(basename $t) $(cat $t/comm | tr ' ' _) $(awk '{print $14+$15}' $t/stat) $(awk '/ctxt_switches/ {s+=$2} END {print s}' $t/status)"; done; done; }
snap > /tmp/hc-a
bl=$(wc -l < /tmp/hc-$1.log)
wrk -t2 -c$2 -d${3:-8}s http://127.0.0.1:$PORT/ > /tmp/hc-$1.wrk
snap > /tmp/hc-b
tail -n +$((bl+1)) /tmp/hc-$1.log | grep -a '"gc":' > /tmp/hc-$1.gc
kill -TERM $master
reqs=$(grep "requests in" /tmp/hc-$1.wrk | awk '{print $1}')
echo "$1 c$2 $(grep -E 'Requests/sec' /tmp/hc-$1.wrk | tr -s ' ')"
python3 - $reqs $master <<'PY'
import sys,collections
reqs=int(sys.argv[1]); master=sys.argv[2]
a={(l.split()[0],l.split()[1]):(l.split()[2],int(l.split()[3]),int(l.split()[4])) for l in open('/tmp/hc-a')}
tot=collections.Counter(); cs=collections.Counter()
for l in open('/tmp/hc-b'):
    p,t,c,v,x=l.split(); v=int(v); x=int(x)
    d=v-a.get((p,t),(c,0,0))[1]
    role='master' if p==master else 'worker'
    tot[(role,c)]+=d; cs[(role,c)]+=x-a.get((p,t),(c,0,0))[2]
s=sum(tot.values())
print(f"total {s*10000/reqs:.2f} us/req (ticks {s})")
for k,v in sorted(tot.items(), key=lambda x:-x[1]):
    if v: print(f"  {k[0]:7} {k[1]:20} {v*10000/reqs:7.2f} us/req  {cs[k]/reqs:.3f} ctxsw/req")
PY
python3 - $reqs /tmp/hc-$1.gc <<'PY'
import sys,json,collections
reqs=int(sys.argv[1]); c=collections.Counter(); pause=collections.Counter(); alloc=0; prom=0
for l in open(sys.argv[2],errors='replace'):
    i=l.find('{')
    try: r=json.loads(l[i:])
    except Exception: continue
    c[r['gc']]+=1; pause[r['gc']]+=r.get('pause',0)
    if r['gc']=='s': alloc+=r.get('allocated',0); prom+=r.get('promoted',0)
if reqs and sum(c.values()): print('gc', dict(c), {k: round(v*1000/reqs,3) for k,v in pause.items()}, 'us/req pause;', 'alloc/req', round(alloc/reqs), 'promoted/req', round(prom/reqs,1))
PY
