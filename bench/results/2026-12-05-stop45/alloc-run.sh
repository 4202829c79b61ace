#!/bin/bash
# WHO=nc|corral: one worker, hello, wrk -c10 8 s warm, sample 5 s of wrk, report allocation by site per request
set -u
HERE=$(dirname "$(readlink -f "$0")")
NODE=${NODE:-/work/node-versions/n26/node_modules/node/bin/node}; WHO=${WHO:-corral}; APP=${APP:-bench/scenarios/hello.ts}; SCEN=${SCEN:-hello}
cd "${ROOT:-$(git rev-parse --show-toplevel)}"
export BENCH_WORKERS=1 BENCH_SCENARIO=$SCEN PORT=8200 NODE_OPTIONS="--require $HERE/alloc-preload.cjs"
rm -f /tmp/alloc-*.json
if [ $WHO = nc ]; then setsid $NODE bench/anchors/node/cluster.cjs > /tmp/alloc-server.log 2>&1 &
else setsid $NODE dist/cli/main.js serve $APP --workers 1 --bind 127.0.0.1:8200 --admin-bind off --control-socket off --access-log off > /tmp/alloc-server.log 2>&1 & fi
P=$!
for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:8200/ && break; sleep 0.2; done
W=$(pgrep -P $P | head -1)
wrk -t1 -c10 -d6s http://127.0.0.1:8200/ > /dev/null 2>&1
wrk -t1 -c10 -d5s http://127.0.0.1:8200/ > /tmp/alloc-wrk.out 2>&1 & WP=$!
sleep 0.5; kill -URG $W; sleep 4; kill -URG $W; wait $WP; sleep 1
N=$(awk '/requests in/ {print $1}' /tmp/alloc-wrk.out)
kill -TERM -- -$P
echo "$WHO ${N} requests over 5 s (sampled ~4 s)"
node -e '
const p=JSON.parse(require("fs").readFileSync(process.argv[1]))
const n=Number(process.argv[2])*4/5
const by=new Map(); let total=0
const walk=(node,stack)=>{const f=node.callFrame; const name=(f.functionName||"(anon)")+" "+f.url.replace(/.*\//,"")+":"+(f.lineNumber+1); const st=[...stack,name]
 const self=node.selfSize; if(self){total+=self; const key=st.slice(-3).join(" < ").replace(/\s+/g," "); by.set(key,(by.get(key)||0)+self)}
 for(const c of node.children) walk(c,st)}
walk(p.head,[])
console.log("bytes per request", (total/n).toFixed(0))
for(const [k,v] of [...by].sort((a,b)=>b[1]-a[1]).slice(0,25)) console.log(String((v/n).toFixed(0)).padStart(6), k.split(" < ").reverse().join(" < ").slice(0,200))
' $(ls /tmp/alloc-*.json) $N
