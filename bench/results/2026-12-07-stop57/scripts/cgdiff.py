import subprocess,re,sys
def load(f,n):
    out=subprocess.run(['callgrind_annotate','--threshold=100',f],capture_output=True,text=True).stdout
    d={}
    for line in out.split('\n'):
        m=re.match(r'^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)$',line)
        if not m: continue
        ir=int(m.group(1).replace(',',''))
        w=m.group(2)
        if 'PROGRAM TOTALS' in w or w.startswith('???:0x'): continue
        w=re.sub(r'\s*\[.*\]$','',w)
        d[w]=d.get(w,0)+ir/n
    return d
N=int(sys.argv[3]) if len(sys.argv)>3 else 5000
a=load(sys.argv[1],N); b=load(sys.argv[2],N)
keys=set(a)|set(b)
rows=sorted(((a.get(k,0)-b.get(k,0)),a.get(k,0),k) for k in keys)
rows.reverse()
for d,x,k in rows[:40]: print(f'{d:8.0f} {x:8.0f} {k[:150]}')
print('...')
for d,x,k in rows[-10:]: print(f'{d:8.0f} {x:8.0f} {k[:150]}')
