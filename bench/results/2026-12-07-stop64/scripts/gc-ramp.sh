#!/bin/bash
# gc-ramp.sh nc|corral [ROUNDS] — ramp.sh's sequence (c50 2 s, c100 8 s, c1000 8 s) with V8's --trace-gc in the
# workers (NVP=1: --trace-gc-nvp, with bytes survived, promoted and allocated a request): the scavenges of the c1000
# run, their pauses, and the heap after the last. SCEN: the scenario (default fanout); ROOT: the checkout;
# NODEFLAGS: Node flags for the server, which its workers inherit.
. "$(dirname "$(readlink -f "$0")")/../../2026-12-07-stop57/scripts/lib.sh"
export BENCH_UPSTREAM_CONNECTIONS=3000
PORT=8140; LUA=$PWD/bench/load/wrk-report.lua
start_upstream 9424 300 /tmp/gc-ramp-up.log
run() { BENCH_WRK_SEND_MS=$(($2*1000)) wrk -t2 -c$1 -d$(($2+3))s -s $LUA http://127.0.0.1:$PORT/ > /tmp/gc-ramp.wrk; }
for r in $(seq 1 ${2:-1}); do
  EXTRA="$EXTRA" start_server $1 $PORT ${SCEN:-fanout} /tmp/gc-ramp-srv.log $NODEFLAGS $([ -n "$NVP" ] && echo --trace-gc-nvp || echo --trace-gc)
  run 50 2; run 100 8
  from=$(wc -l < /tmp/gc-ramp-srv.log)
  run 1000 8
  tail -n +$((from + 1)) /tmp/gc-ramp-srv.log > /tmp/gc-ramp.c1000
  kill -TERM $master; sleep 1.5
  python3 - "$1" <<'PY'
import json, re, sys, collections
j = json.loads([l for l in open('/tmp/gc-ramp.wrk') if l.startswith('{')][-1]); n = max(1, j['sent'] - 1000)
kinds = collections.Counter(); pause = collections.Counter(); last = {}
for l in open('/tmp/gc-ramp.c1000'):
    m = re.search(r'\[(\d+):\S+\]\s+\d+ ms: (\S+(?: \(\S+\))?)\s.*?([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) / ([\d.]+) ms', l)
    if not m: continue
    k = m.group(2).split()[0]; kinds[k] += 1; pause[k] += float(m.group(7)); last[m.group(1)] = float(m.group(5))
nvp = collections.defaultdict(list)
for l in open('/tmp/gc-ramp.c1000'):
    if 'GC: {' not in l: continue
    f = json.loads(l[l.index('{'):])
    if f.get('gc') != 's': continue
    for k in ('pause', 'promoted', 'new_space_survived', 'allocated', 'new_space_capacity'):
        nvp[k].append(float(f.get(k, 0)))
if nvp:
    s_ = lambda k: sum(nvp[k])
    print(f"  nvp: {len(nvp['pause'])} scavenges, {s_('pause')*1000/n:.0f} us/answer paused, survived {s_('new_space_survived')/n/1024:.1f} KB/answer, promoted {s_('promoted')/n/1024:.1f} KB/answer, allocated {s_('allocated')/n/1024:.1f} KB/answer, new space {min(nvp['new_space_capacity'])/1048576:.0f}-{max(nvp['new_space_capacity'])/1048576:.0f} MB")
print(f"{sys.argv[1]:7} rps {n/8:5.0f} shed {j['status']:4d} | " + ", ".join(f"{k} {kinds[k]} ({pause[k]*1000/n:.0f} us/answer paused)" for k in kinds) + f" | heap after {sorted(last.values())} MB")
PY
done
kill -TERM $up
