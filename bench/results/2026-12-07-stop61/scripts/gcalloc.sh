#!/bin/bash
# gcalloc.sh nc|corral CONN DUR — allocated bytes a request (--trace-gc-nvp), fan-out; APP/SCEN pick corral's app
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
PORT=8128; LOG=/tmp/ga-$1.log
start_upstream 9413 ${DELAY:-300} /tmp/ga-up.log
start_server $1 $PORT ${SCEN:-fanout} $LOG --trace-gc-nvp $FLAGS
wrk -t2 -c$2 -d3s http://127.0.0.1:$PORT/ > /dev/null
bl=$(wc -l < $LOG)
wrk -t2 -c$2 -d${3:-6}s http://127.0.0.1:$PORT/ > /tmp/ga-$1.wrk
tail -n +$((bl+1)) $LOG | grep -a '"gc":' > /tmp/ga-$1.gc
kill -TERM $master $up; sleep 1
reqs=$(grep "requests in" /tmp/ga-$1.wrk | awk '{print $1}')
python3 - $reqs /tmp/ga-$1.gc "$1 ${APP:-$SCEN} c$2 $(grep Requests/sec /tmp/ga-$1.wrk | tr -s ' ')" <<'PY'
import sys,json,collections
reqs=int(sys.argv[1]); c=collections.Counter(); pause=collections.Counter(); alloc=0; prom=0; bg=0; surv=0
for l in open(sys.argv[2],errors='replace'):
    i=l.find('{')
    try: r=json.loads(l[i:])
    except Exception: continue
    c[r['gc']]+=1; pause[r['gc']]+=r.get('pause',0)
    if r['gc']=='s': alloc+=r.get('allocated',0); prom+=r.get('promoted',0); bg+=r.get('background.scavenge.parallel',0); surv+=r.get('new_space_survived',0)
print(sys.argv[3], '| gc', dict(c), {k: round(v*1000/reqs,2) for k,v in pause.items()}, 'us/req pause; alloc/req', round(alloc/reqs), 'promoted/req', round(prom/reqs), 'survived/req', round(surv/reqs), 'bg scav us/req', round(bg*1000/reqs,2))
PY
