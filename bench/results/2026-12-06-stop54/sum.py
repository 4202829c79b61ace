import re,sys,glob,os,statistics as st
from collections import defaultdict
# python3 sum.py DIR: the shop A/B rounds in DIR (<ab>-<node>-<build>-shop-<round>.txt) per A/B and build:
# per build: p99@1000, ratio to p99@20, goodput@1000, ratio to goodput@400 (the shop's peak level here), shed
d=defaultdict(list)
for f in sorted(glob.glob(sys.argv[1]+'/*.txt')):
    parts=os.path.basename(f).split('-'); b='-'.join(parts[:-4]+[parts[-3]]) if len(parts)>4 else parts[-3]
    rows={}
    for line in open(f):
        m=re.match(r'\s*on: (\d+) connections: (\d+) \| (\d+) ms \| (\d+)',line)
        if m: rows[int(m[1])]=(int(m[2]),int(m[3]),int(m[4]))
    if 1000 not in rows or 20 not in rows: continue
    top=max(v[0] for k,v in rows.items() if k<1000)
    d[b].append((rows[1000][1], rows[1000][1]/rows[20][1], rows[1000][0], rows[1000][0]/top, rows[1000][2], os.path.basename(f)))
for b,v in d.items():
    print(f"{b}: n={len(v)} p99 median {st.median(x[0] for x in v)} ms, ratio median {st.median(x[1] for x in v):.2f} (met {sum(x[1]<=3 for x in v)}/{len(v)}), goodput median {st.median(x[2] for x in v)}, x peak {st.median(x[3] for x in v):.2f}, shed median {st.median(x[4] for x in v)}")
    print('   p99:', ' '.join(str(x[0]) for x in v), '| ratio:', ' '.join(f'{x[1]:.2f}' for x in v), '| good:', ' '.join(str(x[2]) for x in v))
