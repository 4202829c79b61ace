import re,sys,glob,os
# Summarise issue-12 level reports: per file, the 20/1000/10000 lines: goodput, p99, shed, degraded, accept queue held.
for f in sorted(sys.argv[1:]):
    name=os.path.basename(f).replace('.txt','')
    rows={}
    for line in open(f):
        m=re.match(r'\s*(on|off): (\d+) connections: (\d+) \| (\d+) ms \| (\d+)(?: \(([\d.]+)/([\d.]+) ms\))? \| (\d+) \|.*?(?:last held ([\d.]+) s in)?(?:, (\d+) listen overflows)?',line)
        if m:
            h=re.search(r'last held ([\d.]+) s in',line); o=re.search(r'(\d+) listen overflows',line)
            rows[(m[1],int(m[2]))]=(m,h[1] if h else '0',o[1] if o else '0')
    out=[]
    for mode in ('on','off'):
        p20=rows.get((mode,20),(None,))[0]
        for lvl in (1000,10000):
            if (mode,lvl) not in rows: continue
            m,held,ovf=rows[(mode,lvl)]
            ratio=f"{int(m[4])/int(p20[4]):.2f}x" if p20 else '?'
            out.append(f"{mode}@{lvl}: good {m[3]}, p99 {m[4]} ms ({ratio}), shed {m[5]}, degraded {m[8]}, queue held {held} s, overflows {ovf}")
    print(name); [print('   ',o) for o in out]
