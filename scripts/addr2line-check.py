#!/usr/bin/env python3
"""Compare `wasm-tools addr2line` on an original component's core modules and on
meld's fused module, instruction by instruction, for every function whose name is
unique. Usage: scripts/addr2line-check.py ORIGINAL.wasm FUSED_CORE.wasm WORKDIR
Prints the number of addresses compared; exits 1 on any mismatch or if nothing
was compared."""
import re, subprocess, sys, pathlib, collections

def run(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout

FUNC = re.compile(r'^\(;@([0-9a-f]+) *;\)  \(func \$(\S+) \(;\d+;\)')
INSN = re.compile(r'^\(;@([0-9a-f]+) *;\)    +(\S+)')

def functions(path):
    """name -> list of instruction offsets (module-relative), in body order."""
    out, cur = {}, None
    for line in run('wasm-tools', 'print', '-p', str(path)).splitlines():
        m = FUNC.match(line)
        if m:
            cur = out.setdefault(m.group(2).strip('"'), [])
            continue
        if re.match(r'^\(;@[0-9a-f]+ *;\)  \S', line):
            cur = None  # another module field: the body ended
            continue
        m = INSN.match(line)
        if m and cur is not None and not m.group(2).startswith('(local'):
            cur.append(int(m.group(1), 16))
    return out

def addr2line(path, addrs):
    res = {}
    for i in range(0, len(addrs), 400):
        chunk = addrs[i:i + 400]
        text = run('wasm-tools', 'addr2line', str(path), *[hex(a) for a in chunk])
        cur = None
        for line in text.splitlines():
            if line.startswith('0x'):
                a, rest = line.split(': ', 1)
                cur = int(a, 16)
                res[cur] = [rest]
            elif cur is not None:
                res[cur].append(line.strip())
    return res

def main():
    orig, fused, work = map(pathlib.Path, sys.argv[1:4])
    mods = work / 'modules'
    mods.mkdir(parents=True, exist_ok=True)
    run('wasm-tools', 'component', 'unbundle', '--module-dir', str(mods), '--threshold', '0',
        str(orig), '-o', str(work / 'shell.wasm'))
    originals = {}  # name -> [(module, offsets)]
    for m in sorted(mods.glob('*.wasm')):
        for name, offs in functions(m).items():
            originals.setdefault(name, []).append((m, offs))
    pairs = collections.defaultdict(list)  # module -> [(orig addr, fused addr)]
    for fname, offs in functions(fused).items():
        if ':' not in fname or fname.startswith(('adapter', 'meld')):
            continue
        name = fname.split(':', 1)[1]
        cands = originals.get(name, [])
        if len(cands) != 1 or len(cands[0][1]) != len(offs):
            continue
        m, o = cands[0]
        pairs[m].extend(zip(o, offs))
    compared = mismatched = 0
    for m, ps in sorted(pairs.items()):
        a = addr2line(m, [p[0] for p in ps])
        b = addr2line(fused, [p[1] for p in ps])
        for oa, fa in ps:
            x, y = a.get(oa), b.get(fa)
            if x is None or x == ['no dwarf frames found for this address']:
                continue
            compared += 1
            if x != y:
                mismatched += 1
                if mismatched <= 5:
                    print(f'mismatch {m.name}@{oa:#x} vs fused@{fa:#x}:\n  {x}\n  {y}')
    print(f'{orig.name}: {compared} addresses compared with wasm-tools addr2line, {mismatched} differ')
    sys.exit(1 if mismatched or compared == 0 else 0)

main()
