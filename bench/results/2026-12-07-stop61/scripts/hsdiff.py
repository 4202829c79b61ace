import json,sys,collections
def load(reqs, files):
    d=collections.Counter()
    for f in files:
        p=json.load(open(f))
        def walk(n):
            cf=n['callFrame']; name=f"{cf['functionName'] or '(anon)'} {cf['url'].split('/')[-1]}:{cf['lineNumber']+1}"
            if n['selfSize']: d[name]+=n['selfSize']/reqs
            for c in n['children']: walk(c)
        walk(p['head'])
    return d
import glob
a=load(float(sys.argv[1]), glob.glob(sys.argv[2])); b=load(float(sys.argv[1]), glob.glob(sys.argv[3]))
print(round(sum(a.values())), round(sum(b.values())))
rows=sorted(set(a)|set(b), key=lambda k: -(a.get(k,0)-b.get(k,0)))
for k in rows[:25]: print(f"{a.get(k,0)-b.get(k,0):+8.0f} {a.get(k,0):7.0f} {b.get(k,0):7.0f} {k}")
print('...')
for k in rows[-12:]: print(f"{a.get(k,0)-b.get(k,0):+8.0f} {a.get(k,0):7.0f} {b.get(k,0):7.0f} {k}")
