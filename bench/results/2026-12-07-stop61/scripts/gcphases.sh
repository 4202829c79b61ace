#!/bin/bash
# gcphases.sh corral|nc CONN DUR — scavenge phases (ms a 1,000 requests) and survival, from --trace-gc-nvp, fan-out
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
PORT=8133; LOG=/tmp/gp-${TAG:-$1}.log
start_upstream 9418 ${DELAY:-300} /tmp/gp-up.log
start_server $1 $PORT fanout $LOG --trace-gc-nvp $FLAGS
wrk -t2 -c$2 -d3s http://127.0.0.1:$PORT/ > /dev/null
bl=$(wc -l < $LOG)
wrk -t2 -c$2 -d${3:-6}s http://127.0.0.1:$PORT/ > /tmp/gp-$1.wrk
tail -n +$((bl+1)) $LOG | grep -a '"gc":' > /tmp/gp-${TAG:-$1}.gc
kill -TERM $master $up; sleep 1
reqs=$(grep "requests in" /tmp/gp-$1.wrk | awk '{print $1}')
python3 - $reqs /tmp/gp-${TAG:-$1}.gc "${TAG:-$1} c$2 $(grep Requests/sec /tmp/gp-$1.wrk | tr -s ' ')" <<'PY'
import sys,json,collections
reqs=int(sys.argv[1]); s=collections.Counter(); n=collections.Counter()
for l in open(sys.argv[2],errors='replace'):
    i=l.find('{')
    try: r=json.loads(l[i:])
    except Exception: continue
    n[r['gc']]+=1
    for k,v in r.items():
        if isinstance(v,(int,float)) and not isinstance(v,bool): s[(r['gc'],k)]+=v
k=1000/reqs
print(sys.argv[3], dict(n))
for key in ['pause','scavenge','scavenge.parallel','background.scavenge.parallel','scavenge.roots','scavenge.weak','scavenge.weak_global_handles.identify','scavenge.weak_global_handles.process','scavenge.free_remembered_set','scavenge.update_refs','scavenge.sweep_array_buffers','scavenge.restore_pinned','scavenge.pin_objects_conservative']:
    if ('s',key) in s: print(f"  s {key:45} {s[('s',key)]*k:8.3f} ms/1k req")
for key in ['allocated','promoted','new_space_survived','nodes_died_in_new','nodes_copied_in_new','nodes_promoted']:
    print(f"  s {key:45} {s[('s',key)]/reqs:10.1f} /req")
for key in ['pause','mark','sweep','evacuate','background.mark','background.sweep','background.evacuate.copy']:
    if ('mc',key) in s: print(f"  mc {key:44} {s[('mc',key)]*k:8.3f} ms/1k req")
PY
