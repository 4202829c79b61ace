#!/bin/bash
# gc2.sh nc|corral CONN [DUR]
. "$(dirname "$(readlink -f "$0")")/lib.sh"
PORT=8125; LOG=/tmp/gc2-$1.log
start_server $1 $PORT hello $LOG --trace-gc-nvp $FLAGS
wrk -t2 -c$2 -d3s http://127.0.0.1:$PORT/ > /dev/null
before=$(grep -ac '"gc":"s"' $LOG); bl=$(wc -l < $LOG)
wrk -t2 -c$2 -d${3:-5}s http://127.0.0.1:$PORT/ > /tmp/gc2-$1.wrk
kill -TERM $master; sleep 1
reqs=$(grep "requests in" /tmp/gc2-$1.wrk | awk '{print $1}')
tail -n +$((bl+1)) $LOG | grep -a '"gc":"s"' > /tmp/gc2-$1.scav
n=$(wc -l < /tmp/gc2-$1.scav)
python3 - $1 $2 $reqs /tmp/gc2-$1.scav <<'PY'
import sys,re
tag,c,reqs,f=sys.argv[1],sys.argv[2],int(sys.argv[3]),sys.argv[4]
import json
rows=[]
for l in open(f,errors='replace'):
    i=l.find('{')
    try: rows.append(json.loads(l[i:]))
    except Exception: pass
n=len(rows)
def s(k): return sum(float(r.get(k,0)) for r in rows)
print(f"{tag} c{c}: reqs {reqs} scavenges {n} req/scav {reqs/max(n,1):.0f} pause_ms total {s('pause'):.1f} = {s('pause')*1000/reqs:.3f} us/req; allocated/req {s('allocated')/reqs:.0f} B; promoted/req {s('promoted')/reqs:.0f}; survived/scav {s('new_space_survived')/max(n,1):.0f} cap {rows[-1].get('new_space_capacity') if rows else 0}")
PY
