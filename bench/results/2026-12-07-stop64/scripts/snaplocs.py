# snaplocs.py A.heapsnapshot B.heapsnapshot [N] [--lines] — live objects with a source location (closures, class
# instances), grouped by script, line and column, A minus B, the N largest differences. Script ids differ between
# two processes' snapshots and not every script resolves to a name: --lines groups by line and column alone.
import json,sys,collections
def load(f):
    d=json.load(open(f)); m=d['snapshot']['meta']; nf=m['node_fields']; N=len(nf); ef=m['edge_fields']; E=len(ef)
    types=m['node_types'][0]; etypes=m['edge_types'][0]; strings=d['strings']; nodes=d['nodes']; edges=d['edges']
    ti=nf.index('type'); ni=nf.index('name'); ec=nf.index('edge_count')
    first=[0]*(len(nodes)//N); e=0
    for i in range(len(nodes)//N): first[i]=e; e+=nodes[i*N+ec]*E
    def out(idx):
        s=first[idx]
        for k in range(s, s+nodes[idx*N+ec]*E, E):
            t=etypes[edges[k]]; nm=edges[k+1]; to=edges[k+2]//N
            yield t,(strings[nm] if t in ('context','property','internal','shortcut','weak') else nm),to
    # script id -> name: Script nodes ('system / Script') carry 'source' and 'name' edges; the id is not an edge, so
    # map via SharedFunctionInfo of located closures: closure -shared-> SFI -script-> Script -name-> string
    lf=m.get('location_fields'); L=len(lf); loc=d['locations']; sname={}
    c=collections.Counter()
    for i in range(0,len(loc),L):
        idx=loc[i]//N; sid=loc[i+1]
        if sid not in sname:
            sname[sid]='?'
            for t,nm,to in out(idx):
                if nm=='shared':
                    for t2,nm2,to2 in out(to):
                        if nm2=='script':
                            for t3,nm3,to3 in out(to2):
                                if nm3 in ('name','source_url'):
                                    s=strings[nodes[to3*N+ni]]
                                    if s: sname[sid]=s.split('/')[-1]; break
                    break
        t=types[nodes[idx*N+ti]]; name=strings[nodes[idx*N+ni]]
        c[(t,name[:24],sname[sid],loc[i+2]+1,loc[i+3]+1)]+=1
    # unresolved scripts (instances): borrow the name from another object of the same script id
    return c
args=[x for x in sys.argv[1:] if x!='--lines']; lines='--lines' in sys.argv
def agg(c):
    o=collections.Counter()
    for (t,n,s_,l,col),v in c.items(): o[(t,n,l,col)]+=v
    return o
a=load(args[0]); b=load(args[1])
if lines: a,b=agg(a),agg(b)
keys=sorted(set(a)|set(b), key=lambda k: -(a[k]-b[k]))
for k in keys[:int(args[2]) if len(args)>2 else 40]: print(f"{a[k]-b[k]:+6d} {a[k]:6d} {b[k]:6d}  {k}")
