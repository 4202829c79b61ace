"""cgcallers.py CALLGRIND_FILE PERF_MAP REQUESTS BUILTIN[,BUILTIN...]: who calls each named builtin in one thread's
callgrind file of bench/callgrind.ts --names (its worker's main thread: callgrind.out.PID.1-01), per request, with
JIT callers named from the worker's /tmp/perf-PID.map. Stop 65 used it to find which of Node's functions run
megamorphic property loads in corral's worker and not in node:cluster's."""
import re, sys, subprocess, bisect
f, pmap, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
targets = sys.argv[4].split(',')
ents = []
for l in open(pmap):
    p = l.rstrip('\n').split(' ', 2)
    if len(p) == 3: ents.append((int(p[0], 16), int(p[1], 16), p[2]))
ents.sort(); starts = [e[0] for e in ents]
def name(a):
    i = bisect.bisect_right(starts, a) - 1
    if i >= 0 and ents[i][0] <= a < ents[i][0] + ents[i][1]: return re.sub(r'file:///\S+/dist/', '', ents[i][2])[:100]
    return hex(a)
out = subprocess.run(['callgrind_annotate', '--tree=caller', '--threshold=100', f], capture_output=True, text=True).stdout
blocks = out.split('\n\n')
for b in blocks:
    lines = b.strip().split('\n')
    star = [l for l in lines if re.search(r'\*\s+\?\?\?:(\S+)', l)]
    if not star: continue
    t = re.search(r'\*\s+\?\?\?:(\S+)', star[0]).group(1)
    if t not in targets: continue
    tot = int(star[0].split()[0].replace(',', ''))
    print(f'== {t}: {tot/n:.0f} a request')
    for l in lines:
        m = re.match(r'\s*([\d,]+) \(.*\)\s+<\s+\?\?\?:(\S+) \(([\d,]+)x\)', l)
        if m:
            c = m.group(2).split("'")[0]
            nm = name(int(c, 16)) if c.startswith('0x') else c
            print(f'   {int(m.group(1).replace(",", ""))/n:7.0f}  {int(m.group(3).replace(",", ""))/n:5.2f} calls  {nm}')
