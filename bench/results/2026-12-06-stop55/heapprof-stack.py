import json,sys,collections
p=json.load(open(sys.argv[1])); target=sys.argv[2]
acc=collections.Counter()
def walk(node, stack):
    cf=node['callFrame']; name=f"{cf['functionName'] or '(anon)'} {cf['url'].split('/')[-1]}:{cf['lineNumber']+1}"
    st=stack+[name]
    if target in name and node['selfSize']: acc[' <- '.join(reversed(st[-7:]))]+=node['selfSize']
    for c in node.get('children',[]): walk(c, st)
walk(p['head'],[])
for k,v in acc.most_common(6): print(v, k, '\n')
