import subprocess,re,sys
f,pm,n=sys.argv[1],sys.argv[2],int(__import__("os").environ.get("N","5000"))
targets=sys.argv[3:]
m=[]
for l in open(pm):
    p=l.rstrip('\n').split(' ',2)
    if len(p)==3: m.append((int(p[0],16),int(p[0],16)+int(p[1],16),p[2]))
m.sort()
import bisect
starts=[x[0] for x in m]
def name(a):
    i=bisect.bisect_right(starts,a)-1
    if i>=0 and m[i][0]<=a<m[i][1]: return re.sub(r'/work/[^ ]*/','',m[i][2])
    return hex(a)
out=subprocess.run(['callgrind_annotate','--tree=caller','--threshold=100',f],capture_output=True,text=True).stdout.split('\n')
blk=[]
for line in out:
    if not line.strip():
        blk=[]; continue
    blk.append(line)
    mm=re.match(r'^\s*([\d,]+).*\*\s+\?\?\?:(\S+)',line)
    if mm and mm.group(2) in targets:
        print('==',mm.group(2), int(mm.group(1).replace(',',''))//n)
        agg={}
        for b in blk[:-1]:
            c=re.match(r'^\s*([\d,]+).*<\s+\?\?\?:0x([0-9a-f]+)',b)
            if c:
                k=name(int(c.group(2),16)); agg[k]=agg.get(k,0)+int(c.group(1).replace(',',''))
            else:
                c=re.match(r'^\s*([\d,]+).*<\s+(\S+)',b)
                if c: agg[c.group(2)]=agg.get(c.group(2),0)+int(c.group(1).replace(',',''))
        for k,v in sorted(agg.items(),key=lambda x:-x[1])[:12]: print('  %6d %s'%(v//n,k[:110]))
