import json,sys,collections
# usage: hssum.py requests file...
reqs=float(sys.argv[1]); files=sys.argv[2:]
self_by=collections.Counter(); total=0
for f in files:
    p=json.load(open(f))
    def walk(n, stack):
        global total
        cf=n['callFrame']; name=f"{cf['functionName'] or '(anon)'} {cf['url'].split('/')[-1]}:{cf['lineNumber']+1}"
        st=stack+[name]
        sz=sum(s['size']*s['count'] for s in n.get('selfSize',[]) ) if False else n['selfSize']
        if sz:
            self_by[name]+=sz; total_add(sz)
        for c in n['children']: walk(c, st)
    def total_add(x):
        global total; total+=x
    walk(p['head'],[])
print(f"total sampled {total/1e6:.1f} MB, per request {total/reqs:.0f} B")
for k,v in self_by.most_common(40): print(f"{v/reqs:8.1f} B/req  {k}")
