import subprocess,re,sys
def load(tag):
    rps=float(re.search(r'Requests/sec:\s+([\d.]+)',open(f'/tmp/pf-{tag}.wrk').read()).group(1))
    out=subprocess.run(['perf','report','-i',f'/tmp/pf-{tag}.data','--sort','sym','--stdio','-n'],capture_output=True,text=True).stdout
    d={}
    for l in out.split('\n'):
        m=re.match(r'^\s+([\d.]+)%\s+(\d+)\s+\[(.)\]\s+(.*)$',l)
        if m:
            name=re.sub(r'/work/[^ ]*/','',m.group(4)).strip()
            name=re.sub(r"^JS:[*+~^']+","JS:",name)
            d[name]=d.get(name,0)+int(m.group(2))
    reqs=rps*5
    return {k:v*1000/reqs for k,v in d.items()}, sum(d.values())*1000/reqs
a,ta=load('corral'); b,tb=load('nc')
print(f'samples per 1000 requests: corral {ta:.1f} nc {tb:.1f}')
rows=sorted(((a.get(k,0)-b.get(k,0),a.get(k,0),k) for k in set(a)|set(b)), reverse=True)
for r in rows[:30]: print('%6.2f %6.2f %s'%(r[0],r[1],r[2][:120]))
print('...')
for r in rows[-12:]: print('%6.2f %6.2f %s'%(r[0],r[1],r[2][:120]))
