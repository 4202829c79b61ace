"""Per worker of a client-wait run (stop 53's diagnostic), the last 10 s in 500 ms bins: answers n, 503s s, the highest limit L, running R and service time (ms).
python3 limit-trace.py DIR"""
import sys, os
d=sys.argv[1]
files=sorted((os.path.getsize(os.path.join(d,f)),f) for f in os.listdir(d))[:2]
for _,f in files:
    recs=[l.split() for l in open(os.path.join(d,f))]
    recs=[r for r in recs if len(r)>=9]
    tmax=max(int(r[0]) for r in recs); t0=tmax-10000
    bins={}
    for r in recs:
        t=int(r[0])
        if t<t0: continue
        b=(t-t0)//500
        x=bins.setdefault(b,[0,0,0,0,0])
        x[0]+=1; x[1]+= r[1]=='503'; x[2]=max(x[2],int(r[7])); x[3]=max(x[3],int(r[5])); x[4]=max(x[4],float(r[4]))
    print(f, ' '.join(f"{b/2:.1f}s:n{x[0]}/s{x[1]}/L{x[2]}/R{x[3]}/svc{x[4]:.0f}" for b,x in sorted(bins.items())))
