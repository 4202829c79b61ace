# usage: python3 snapcount.py A.heapsnapshot B.heapsnapshot [N] — live bytes and counts by kind and constructor, A minus B
# (the N largest differences, default 30)
import json,sys,collections
def load(f):
    d=json.load(open(f))
    m=d['snapshot']['meta']; nf=m['node_fields']; types=m['node_types'][0]; strings=d['strings']
    N=len(nf); ti=nf.index('type'); ni=nf.index('name'); si=nf.index('self_size')
    nodes=d['nodes']; c=collections.Counter(); sz=collections.Counter(); total=0
    for i in range(0,len(nodes),N):
        t=types[nodes[i+ti]]; name=strings[nodes[i+ni]]
        key=f"{t}:{name[:60]}" if t in ('object','closure','array','hidden','code') else t
        c[key]+=1; sz[key]+=nodes[i+si]; total+=nodes[i+si]
    return c,sz,total
a,asz,at=load(sys.argv[1]); b,bsz,bt=load(sys.argv[2])
print('total live', at, bt)
keys=sorted(set(asz)|set(bsz), key=lambda k: -(asz[k]-bsz[k]))
for k in keys[:int(sys.argv[3]) if len(sys.argv) > 3 else 30]: print(f"{asz[k]-bsz[k]:+10d} B {a[k]-b[k]:+7d} n   {asz[k]:9d} {bsz[k]:9d}  {k}")
print('...')
for k in keys[-10:]: print(f"{asz[k]-bsz[k]:+10d} B {a[k]-b[k]:+7d} n   {asz[k]:9d} {bsz[k]:9d}  {k}")
