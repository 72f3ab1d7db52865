#!/usr/bin/env python3
"""Run every WAT fixture's fused `--memory shared` core module on wasm3.

wasm3 (an interpreter without multi-memory; `pip install pywasm3`) is not
in CI: this is a manual check. The modules are the ones
`cargo test --release --test fuse_wat` writes to
target/single-memory/fuse_wat/ (run that first). Each `;; expect:` line of
the fixture is called on a fresh instance; a value must match and a
`trap` expectation must trap. Modules wasm3 cannot load (features it lacks)
are listed apart. Exit status 1 if any result differs or nothing ran.
"""
import glob
import os
import re
import sys

import wasm3

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
ok = differ = 0
not_loaded = []
fails = []
for wat in sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/wat/*.wat"))):
    name = os.path.basename(wat)[:-4]
    wasm = os.path.join(ROOT, "target/single-memory/fuse_wat", name + ".wasm")
    if not os.path.exists(wasm):
        fails.append(f"{name}: no shared module (run the fuse_wat test first)")
        differ += 1
        continue
    expects = []
    for line in open(wat, encoding="utf-8"):
        m = re.match(r";; expect: (\S+) = (.*)", line)
        if m:
            expects.append((m.group(1), m.group(2).strip()))
    data = open(wasm, "rb").read()
    for export, want in expects:
        env = wasm3.Environment()
        rt = env.new_runtime(64 * 1024 * 1024)
        try:
            rt.load(env.parse_module(data))
        except Exception as e:  # a feature wasm3 lacks
            not_loaded.append(f"{name} ({e})")
            break
        try:
            got = rt.find_function(export)()
        except Exception:
            if want.startswith("trap"):
                ok += 1
            else:
                fails.append(f"{name}.{export}: trapped, want {want}")
                differ += 1
            continue
        if want.startswith("trap"):
            fails.append(f"{name}.{export}: got {got}, want a trap")
            differ += 1
            continue
        w = int(want, 0)
        g = int(got or 0)
        # wasm3 gives i32 results signed; an i64 must match in 64 bits.
        same64 = g % (1 << 64) == w % (1 << 64)
        same32 = -(1 << 31) <= g < (1 << 32) and g % (1 << 32) == w % (1 << 32)
        if same64 or same32:
            ok += 1
        else:
            fails.append(f"{name}.{export}: got {got}, want {want}")
            differ += 1
print(f"wasm3: {ok} expectations agree, {differ} differ; "
      f"{len(not_loaded)} modules wasm3 cannot load")
for f in fails:
    print("  DIFFERS", f)
for n in not_loaded:
    print("  not loaded:", n)
sys.exit(1 if differ or ok == 0 else 0)
