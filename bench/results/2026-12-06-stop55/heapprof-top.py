import json,sys,collections
p=json.load(open(sys.argv[1])); n=int(sys.argv[2]) if len(sys.argv)>2 else 25
by=collections.Counter(); total=0
def walk(node, stack):
    global total
    cf=node['callFrame']; name=f"{cf['functionName'] or '(anon)'} {cf['url'].split('/')[-1]}:{cf['lineNumber']+1}"
    self=node['selfSize']; total+=self
    if self: by[name]+=self
    for c in node.get('children',[]): walk(c, stack+[name])
walk(p['head'],[])
print('total sampled bytes', total)
for k,v in by.most_common(n): print(f"{v/total*100:5.1f}%  {k}")
