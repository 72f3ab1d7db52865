// Run host-free core modules on node's own engine (V8; node 20 has no
// multi-memory), each export a `[] -> [i32|i64]` function, each call on a
// fresh instance. Prints one line per export:
//   FILE EXPORT i32 N | i64 N | trap MESSAGE | error MESSAGE
// (N unsigned decimal). Usage: node run-core-batch.mjs FILE EXPORTS,... ...
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
if (args.length % 2 !== 0) {
  console.error("usage: node run-core-batch.mjs FILE EXPORT[,EXPORT]... ...");
  process.exit(2);
}
for (let i = 0; i < args.length; i += 2) {
  const file = args[i];
  let module;
  try {
    module = new WebAssembly.Module(readFileSync(file));
  } catch (e) {
    console.log(`${file} * error compile: ${String(e.message).replace(/\n/g, " ")}`);
    continue;
  }
  for (const name of args[i + 1].split(",")) {
    let line;
    try {
      // An async export (docs/abi.md): `[async-lift]NAME` hands its result
      // to the host's `[task-return]NAME` import and returns EXIT (0), or
      // YIELD (1) while work it left is ready: its callback runs that.
      let returned = [];
      const imports = {};
      for (const imp of WebAssembly.Module.imports(module)) {
        if (imp.module.startsWith("[export]") && imp.name.startsWith("[task-return]")) {
          (imports[imp.module] ??= {})[imp.name] = (...vs) => { returned.push(vs); };
        }
      }
      const instance = new WebAssembly.Instance(module, imports);
      const f = instance.exports[name];
      const af = instance.exports["[async-lift]" + name];
      if (typeof f === "function") {
        const v = f();
        line = typeof v === "bigint" ? `i64 ${BigInt.asUintN(64, v)}` : `i32 ${v >>> 0}`;
      } else if (typeof af === "function") {
        let code = af();
        const cb = instance.exports["[callback][async-lift]" + name];
        while (code === 1 && typeof cb === "function") code = cb(0, 0, 0);
        if (code !== 0 || returned.length !== 1 || returned[0].length !== 1) {
          line = `error async export: code ${code}, task.return called ${returned.length} time(s)`;
        } else {
          const v = returned[0][0];
          line = typeof v === "bigint" ? `i64 ${BigInt.asUintN(64, v)}` : `i32 ${v >>> 0}`;
        }
      } else {
        line = "error no such export";
      }
    } catch (e) {
      const msg = String(e && e.message).replace(/\n/g, " ");
      line = e instanceof WebAssembly.RuntimeError ? `trap ${msg}` : `error ${msg}`;
    }
    console.log(`${file} ${name} ${line}`);
  }
}
