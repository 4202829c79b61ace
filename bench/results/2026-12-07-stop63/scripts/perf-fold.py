# perf-fold.py A.txt REQS_A B.txt REQS_B: perf script output (with -g) folded by kernel/user, first user frame and first JS frame; B less A per million requests
import sys,collections,re
# perf script output -> counts keyed by (leaf-kind, first user frame, first JS frame)
def parse(path):
    c=collections.Counter(); stack=[]
    def flush():
        if not stack: return
        kern=[s for s in stack if s[1]=='k']
        user=[s for s in stack if s[1]!='k']
        leaf=stack[0][0]
        u=user[0][0] if user else '-'
        js=next((s[0] for s in user if s[0].startswith('JS:')),'-')
        js=re.sub(r' (file|node):\S+','',js)
        c[('K' if kern else 'U', u[:60], js[:60])]+=1
    for l in open(path):
        if not l.strip():
            flush(); stack=[]; continue
        if l[0] not in ' \t': continue
        p=l.strip().split(None,1)
        if len(p)<2: continue
        sym=p[1]; dso=sym[sym.rfind('('):] if '(' in sym else ''
        sym=re.sub(r'\+0x[0-9a-f]+','',sym[:sym.rfind('(')].strip() if '(' in sym else sym)
        stack.append((sym,'k' if 'kernel' in dso else 'u'))
    flush(); return c
a=parse(sys.argv[1]); b=parse(sys.argv[3]); ra=float(sys.argv[2]); rb=float(sys.argv[4])
keys=set(a)|set(b)
d={k:b[k]*1e6/rb-a[k]*1e6/ra for k in keys}
for k in sorted(keys,key=lambda k:-d[k])[:25]: print(f"{d[k]:7.0f} {a[k]*1e6/ra:7.0f} {b[k]*1e6/rb:7.0f} {k}")
