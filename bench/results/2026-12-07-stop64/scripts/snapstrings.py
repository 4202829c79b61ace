# snapstrings.py A.heapsnapshot B.heapsnapshot — live strings grouped by their text (digits and hex masked), A minus B
import json,sys,collections,re
def load(f):
    d=json.load(open(f)); m=d['snapshot']['meta']; nf=m['node_fields']; N=len(nf)
    types=m['node_types'][0]; strings=d['strings']; nodes=d['nodes']
    ti=nf.index('type'); ni=nf.index('name'); si=nf.index('self_size'); c=collections.Counter(); s=collections.Counter()
    for i in range(0,len(nodes),N):
        t=types[nodes[i+ti]]
        if t not in ('string','concatenated string','sliced string'): continue
        k=t[:3]+':'+re.sub(r'[0-9a-f]{6,}','H',re.sub(r'\d+','#',strings[nodes[i+ni]][:50])).replace('\n','\\n')
        c[k]+=1; s[k]+=nodes[i+si]
    return c,s
(a,asz),(b,bsz)=load(sys.argv[1]),load(sys.argv[2])
keys=sorted(set(asz)|set(bsz), key=lambda k: -(asz[k]-bsz[k]))
for k in keys[:25]: print(f"{asz[k]-bsz[k]:+9d} B {a[k]-b[k]:+6d} n  {k!r}")
