import json,re,sys
txt=open(sys.argv[1]).read()
parts=re.split(r'^(\d+\.\d+) ', txt, flags=re.M)
t0=None
for i in range(1,len(parts),2):
    t=float(parts[i]); 
    try: s=json.loads(parts[i+1])
    except Exception: continue
    if t0 is None: t0=t
    row=[f"{t-t0:5.1f}s q{s['intake']['waiting']}"]
    for w in s['workers']:
        o=w.get('overload')
        if not o: continue
        row.append(f"L{o['limit']} r{o['running']} w{o['waiting']} lat{o['latencyMs']} base{o['baselineMs']} u{o['utilization']} p{o['pressure']} m{o['budgetsMissed']} cap{o['capacity']} shed{sum(o['shed'].values())} ds{o['downstream']['queued']}/{o['downstream']['busy']}")
    print(' | '.join(row))
