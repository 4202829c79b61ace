"""What the clients of the shop's 1,000-connection level waited, seen from the server.

A build with client-wait-diagnostic.patch writes, per worker and per answer: the time, the status,
whether it was the connection's first request, the wait before the request was read (since the
connection's last answer, or since it was taken), the server's time over it, and the worker's
running requests, resting connections and limit. wrk sends its next request as an answer arrives,
so wait + service is about what wrk measures (its p99 and this one agree within about 5%), except
for a first request's time in the kernel's accept queue.

  python3 client-wait.py DIR   # DIR: one run's DIAG_DIR (client-wait-runs.sh); the last 10 s are the 1,000 level
"""
import sys, os, statistics as st
d=sys.argv[1]; lvl=10.0
files=sorted((os.path.getsize(os.path.join(d,f)),f) for f in os.listdir(d))
workers=[os.path.join(d,f) for _,f in files[:2]]   # the simulator (3 calls a page) writes the most
recs=[]
for f in workers:
    for line in open(f):
        p=line.split()
        if len(p)<9: continue
        recs.append((int(p[0]),int(p[1]),int(p[2]),float(p[3]),float(p[4]),int(p[5]),int(p[6]),int(p[7]),int(p[8]),f))
tmax=max(r[0] for r in recs); t0=tmax-lvl*1000
w=[r for r in recs if r[0]>=t0]
est=sorted(((r[3] if r[3]>=0 else 0)+r[4], r) for r in w)
n=len(est); p99=est[int(n*.99)][0]
top=[r for e,r in est if e>=p99]
cat={}
for r in top:
    k=("503" if r[1]==503 else "ok")+("-first" if r[2] else "")+("-rested(gap>100)" if r[3]>100 else "")
    cat[k]=cat.get(k,0)+1
g=sorted(r[3] for r in w if not r[2])
print("1000 level: %d answers; client-side estimate p50 %.0f p99 %.0f; top 1%%: %s; gap before read p50 %.0f p99 %.0f max %.0f"%(n,est[n//2][0],p99,cat,g[len(g)//2],g[int(len(g)*.99)],g[-1]))
for f in workers:
    ww=[r for r in w if r[9]==f]
    ports=len(set(r[8] for r in ww))
    sh=sum(1 for r in ww if r[1]==503)
    print("  worker %s: connections %d, answers %d, shed %d, running p50 %d, resting p50 %d, limit min/p50/max %d/%d/%d"%(os.path.basename(f),ports,len(ww),sh,st.median(r[5] for r in ww),st.median(r[6] for r in ww),min(r[7] for r in ww),st.median(r[7] for r in ww),max(r[7] for r in ww)))
