# perf-diff.py A REQS_A B REQS_B [N]: samples per million requests by DSO and symbol, B less A (perf report of A.data, B.data)
import subprocess,sys,re,collections
def load(name, reqs):
    out=subprocess.run(['perf','report','-i',name+'.data','--stdio','-n','--sort','dso,sym','--no-children','-g','none'],capture_output=True,text=True).stdout
    d=collections.Counter()
    for l in out.splitlines():
        m=re.match(r'\s+[\d.]+%\s+(\d+)\s+(\S+(?: tid \d+)?)\s+\[.\]\s+(.*)',l)
        if not m: continue
        dso=re.sub(r' tid \d+','',m.group(2)); sym=m.group(3).strip()
        sym=re.sub(r'0x[0-9a-f]+','',sym)
        d[(dso,sym[:90])]+=int(m.group(1))
    return {k:v*1e6/reqs for k,v in d.items()}  # samples per million requests
a=load(sys.argv[1], float(sys.argv[2])); b=load(sys.argv[3], float(sys.argv[4]))
print(f"total {sum(a.values()):.0f} vs {sum(b.values()):.0f} samples/Mreq")
bydso=collections.Counter(); 
for k,v in a.items(): bydso[k[0]]-=v
for k,v in b.items(): bydso[k[0]]+=v
print("by dso (b-a):", {k:round(v) for k,v in bydso.most_common()})
keys=set(a)|set(b)
rows=sorted(keys,key=lambda k:-(b.get(k,0)-a.get(k,0)))
print("-- most more in b"); 
for k in rows[:int(sys.argv[5]) if len(sys.argv)>5 else 30]: print(f"{b.get(k,0)-a.get(k,0):8.0f} {a.get(k,0):8.0f} {b.get(k,0):8.0f}  {k[0][:10]} {k[1]}")
print("-- most less in b")
for k in rows[-10:]: print(f"{b.get(k,0)-a.get(k,0):8.0f} {a.get(k,0):8.0f} {b.get(k,0):8.0f}  {k[0][:10]} {k[1]}")
