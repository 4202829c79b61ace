import re,sys
def load(f):
    d={}
    for l in open(f):
        n,name=l.split(None,1); name=name.strip()
        name=re.sub(r'^\(\s*[0-9.]+%\)\s*','',name)
        name=re.sub(r'\s*\[.*\]$','',name)
        if name.startswith('???:0x'): name='JIT?'
        d[name]=d.get(name,0)+float(n)
    return d
a=load(sys.argv[1]); b=load(sys.argv[2])
rows=sorted(set(a)|set(b), key=lambda k: -(a.get(k,0)-b.get(k,0)))
for k in rows[:int(sys.argv[3]) if len(sys.argv)>3 else 40]: print(f"{a.get(k,0)-b.get(k,0):+7.0f} {a.get(k,0):7.0f} {b.get(k,0):7.0f} {k[:120]}")
print("...")
for k in rows[-15:]: print(f"{a.get(k,0)-b.get(k,0):+7.0f} {a.get(k,0):7.0f} {b.get(k,0):7.0f} {k[:120]}")
