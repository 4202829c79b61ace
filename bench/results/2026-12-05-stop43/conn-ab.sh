#!/bin/bash
# CPU per answered request, a new connection per request (ab without -k, -c 10): node:cluster, corral before (${BEFORE:?a checkout of the build before, with dist built}), corral after (${AFTER:-$PWD}); 2 workers each, alternating rounds
N=${NODE:-/work/node-versions/n26/node_modules/.bin/node}
K=${KEEP:-}   # KEEP=-k: keep-alive instead
cd ${AFTER:-$PWD}
PORT=18101 BENCH_WORKERS=2 BENCH_SCENARIO=hello $N bench/anchors/node/cluster.cjs > /dev/null 2>&1 & P1=$!
CORRAL_LOG_LEVEL=warn $N ${BEFORE:?a checkout of the build before, with dist built}/dist/cli/main.js serve bench/scenarios/hello.ts --workers 2 --bind 127.0.0.1:18102 --admin-bind off --control-socket off > /dev/null 2>&1 & P2=$!
CORRAL_LOG_LEVEL=warn $N ${AFTER:-$PWD}/dist/cli/main.js serve bench/scenarios/hello.ts --workers 2 --bind 127.0.0.1:18103 --admin-bind off --control-socket off > /dev/null 2>&1 & P3=$!
sleep 5
group() { echo $1 $(pgrep -P $1); }
cpu() { local t=0; for p in $(group $1); do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
for p in 18101 18102 18103; do ab -q $K -n 5000 -c 10 http://127.0.0.1:$p/ >/dev/null; done
: > /tmp/conn-ab-raw.txt
for r in $(seq 1 ${ROUNDS:-5}); do
  for pair in "18101 $P1 nc" "18102 $P2 before" "18103 $P3 after"; do
    set -- $pair
    c0=$(cpu $2); rps=$(ab -q $K -n ${REQ:-20000} -c 10 http://127.0.0.1:$1/ | awk '/Requests per second/{print $4}'); c1=$(cpu $2)
    echo "$3 $r $rps $(( (c1-c0)*10 ))" >> /tmp/conn-ab-raw.txt
  done
done
kill $P1 $P2 $P3; wait
python3 - <<'PY'
import statistics,collections
d=collections.defaultdict(list)
for l in open('/tmp/conn-ab-raw.txt'):
    n,r,rps,ms=l.split(); d[n].append((float(rps),int(ms)))
import os
req=int(os.environ.get('REQ','20000'))
for n in ['nc','before','after']:
    rps=[x for x,_ in d[n]]; us=[m*1000/req for _,m in d[n]]
    print(f"{n:7s} rps median {statistics.median(rps):8.0f}  CPU/request median {statistics.median(us):6.1f} us  (rounds: {' '.join(f'{u:.0f}' for u in us)})")
PY
