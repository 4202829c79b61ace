import json,sys,collections
reqs=float(sys.argv[1]); pat=sys.argv[2].split(','); files=sys.argv[3:]
by=collections.Counter()
for f in files:
    p=json.load(open(f))
    def walk(n, stack):
        cf=n['callFrame']; name=f"{cf['functionName'] or '(anon)'} {cf['url'].split('/')[-1]}:{cf['lineNumber']+1}"
        st=stack+[name]
        if n['selfSize'] and any(x in name for x in pat):
            by[' <- '.join(reversed(st[-5:]))]+=n['selfSize']
        for c in n['children']: walk(c, st)
    walk(p['head'],[])
for k,v in by.most_common(25): print(f"{v/reqs:7.1f} {k[:400]}")
