//! The builtins whose code depends on the composition (resource shims with
//! their type table baked in, the glue's type-table dispatch), emitted
//! directly with `wasm-encoder`: assembling their WAT cost more than the
//! rest of building the graph. Each emits the module its WAT reference in
//! [`super::resources`] describes; the tests compare the two, custom
//! sections aside.

use super::resources::{DropShim, Mode, TypeTable};
use wasm_encoder::{
    BlockType, CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection,
    GlobalType, ImportSection, IndirectNameMap, Instruction as I, Module, NameMap, NameSection,
    TypeSection, ValType,
};

const I32: ValType = ValType::I32;

/// Function types in order of first use, each once (as `wat` numbers them).
#[derive(Default)]
struct Types {
    list: Vec<(Vec<ValType>, Vec<ValType>)>,
}

impl Types {
    fn of(&mut self, params: &[ValType], results: &[ValType]) -> u32 {
        let sig = (params.to_vec(), results.to_vec());
        match self.list.iter().position(|t| *t == sig) {
            Some(i) => i as u32,
            None => {
                self.list.push(sig);
                self.list.len() as u32 - 1
            }
        }
    }

    fn section(&self) -> TypeSection {
        let mut s = TypeSection::new();
        for (p, r) in &self.list {
            s.ty().function(p.iter().copied(), r.iter().copied());
        }
        s
    }
}

/// A module of imports, functions (each exported under its name when it
/// has one) and an optional name section for the functions.
#[derive(Default)]
struct Builder {
    types: Types,
    imports: ImportSection,
    imported_funcs: u32,
    funcs: FunctionSection,
    exports: ExportSection,
    code: CodeSection,
    names: NameMap,
    named: bool,
}

impl Builder {
    fn import_func(
        &mut self,
        module: &str,
        name: &str,
        params: &[ValType],
        results: &[ValType],
    ) -> u32 {
        let ty = self.types.of(params, results);
        self.imports.import(module, name, EntityType::Function(ty));
        self.imported_funcs += 1;
        self.imported_funcs - 1
    }

    fn import_global(&mut self, module: &str, name: &str) {
        let ty = GlobalType {
            val_type: I32,
            mutable: true,
            shared: false,
        };
        self.imports.import(module, name, EntityType::Global(ty));
    }

    /// Define a function, exported as `export`, named `name` in the name
    /// section when given.
    fn func(
        &mut self,
        export: &str,
        name: Option<&str>,
        params: &[ValType],
        results: &[ValType],
        body: Function,
    ) -> u32 {
        let ty = self.types.of(params, results);
        let index = self.imported_funcs + self.funcs.len();
        self.funcs.function(ty);
        self.exports.export(export, ExportKind::Func, index);
        self.code.function(&body);
        if let Some(n) = name {
            self.names.append(index, n);
            self.named = true;
        }
        index
    }

    fn finish(self) -> Vec<u8> {
        let mut m = Module::new();
        m.section(&self.types.section());
        if !self.imports.is_empty() {
            m.section(&self.imports);
        }
        m.section(&self.funcs);
        m.section(&self.exports);
        m.section(&self.code);
        if self.named {
            let mut names = NameSection::new();
            names.functions(&self.names);
            names.locals(&IndirectNameMap::new());
            m.section(&names);
        }
        m.finish()
    }
}

/// wasmtime's words for a call out of an instance that may not leave.
const CANNOT_LEAVE: &str = "cannot leave component instance";

fn konst(v: u32) -> I<'static> {
    I::I32Const(v as i32)
}

/// `resource.new` (`op` = `"new"`) or `resource.rep` (`"rep"`) of type
/// table `key` in instance `table` ([`super::resources::new_or_rep_shim`]).
pub fn new_or_rep(op: &str, table: u32, key: u32, mode: Mode) -> Vec<u8> {
    let mut b = Builder::default();
    let mut f = Function::new([]);
    if mode == Mode::Opaque {
        f.instruction(&I::LocalGet(0));
    } else {
        let call = b.import_func("rt", op, &[I32, I32, I32], &[I32]);
        f.instruction(&konst(table))
            .instruction(&konst(key))
            .instruction(&I::LocalGet(0))
            .instruction(&I::Call(call));
    }
    f.instruction(&I::End);
    b.func("f", None, &[I32], &[I32], f);
    b.finish()
}

/// `resource.drop` of a type the composition defines
/// ([`super::resources::drop_shim`]).
pub fn resource_drop(shim: &DropShim) -> Vec<u8> {
    let DropShim {
        table,
        key,
        res,
        mode,
        check_leave,
        dtor,
    } = *shim;
    let mut b = Builder::default();
    let rt = if mode == Mode::Opaque {
        b.import_func("rt", "host_drop", &[I32, I32, I32], &[I32])
    } else {
        b.import_func("rt", "drop", &[I32, I32, I32], &[I32, I32])
    };
    if check_leave {
        b.import_global("flags", "flags");
    }
    let dtor = dtor.then(|| b.import_func("dtor", "dtor", &[I32], &[]));
    let leave_trap = check_leave.then(|| {
        let mut t = Function::new([]);
        t.instruction(&I::Unreachable).instruction(&I::End);
        b.func("trap", Some(CANNOT_LEAVE), &[], &[], t)
    });
    // Locals: 0 the handle, 1 own?, 2 the rep.
    let mut f = Function::new([(2, I32)]);
    if mode == Mode::Opaque {
        f.instruction(&konst(table))
            .instruction(&konst(res))
            .instruction(&I::LocalGet(0))
            .instruction(&I::Call(rt))
            .instruction(&I::I32Eqz)
            .instruction(&I::LocalSet(1))
            .instruction(&I::LocalGet(0))
            .instruction(&I::LocalSet(2));
    } else {
        f.instruction(&konst(table))
            .instruction(&konst(key))
            .instruction(&I::LocalGet(0))
            .instruction(&I::Call(rt))
            .instruction(&I::LocalSet(2))
            .instruction(&I::LocalSet(1));
    }
    f.instruction(&I::LocalGet(1))
        .instruction(&I::If(BlockType::Empty));
    if let Some(trap) = leave_trap {
        f.instruction(&I::GlobalGet(0))
            .instruction(&I::I32Eqz)
            .instruction(&I::If(BlockType::Empty))
            .instruction(&I::Call(trap))
            .instruction(&I::End);
    }
    if let Some(d) = dtor {
        f.instruction(&I::LocalGet(2)).instruction(&I::Call(d));
    }
    f.instruction(&I::End).instruction(&I::End);
    b.func("f", None, &[I32], &[], f);
    b.finish()
}

/// The per-composition glue info ([`super::resources::glue_info_wat`]).
pub fn glue_info(tables: &[Option<TypeTable>], exported_keys: &[u32]) -> Vec<u8> {
    let mut b = Builder::default();
    let reps: Vec<u32> = (0..exported_keys.len())
        .map(|i| b.import_func("x", &format!("rep{i}"), &[I32], &[I32]))
        .collect();
    // info: blocks $out (i32), $bad, then $c{n-1} .. $c0 (innermost);
    // `br_table` sends table i to the end of $c{i}, where the code of
    // table i leaves through $out (or $bad, for a table without info).
    let n = tables.len() as u32;
    let mut f = Function::new([]);
    f.instruction(&I::Block(BlockType::Result(I32)))
        .instruction(&I::Block(BlockType::Empty));
    for _ in 0..n {
        f.instruction(&I::Block(BlockType::Empty));
    }
    let targets: Vec<u32> = (0..n).collect();
    f.instruction(&I::LocalGet(0))
        .instruction(&I::BrTable(targets.into(), n))
        .instruction(&I::End);
    for (i, t) in tables.iter().enumerate() {
        // Inside $c{i+1} (or $bad for the last table): $out is n - i out.
        let out = n - i as u32;
        match t {
            Some(t) => f.instruction(&konst(t.packed())).instruction(&I::Br(out)),
            None => f.instruction(&I::Br(out - 1)),
        };
        f.instruction(&I::End);
    }
    f.instruction(&I::Unreachable)
        .instruction(&I::End)
        .instruction(&I::End);
    b.func("info", Some("info"), &[I32], &[I32], f);
    let mut f = Function::new([]);
    for (rep, key) in reps.iter().zip(exported_keys) {
        f.instruction(&I::LocalGet(0))
            .instruction(&konst(*key))
            .instruction(&I::I32Eq)
            .instruction(&I::If(BlockType::Empty))
            .instruction(&I::LocalGet(1))
            .instruction(&I::Call(*rep))
            .instruction(&I::Return)
            .instruction(&I::End);
    }
    f.instruction(&I::Unreachable).instruction(&I::End);
    b.func("xrep", Some("xrep"), &[I32, I32], &[I32], f);
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::super::resources as res;
    use super::*;

    /// `wasm` without its custom sections.
    fn code_only(wasm: &[u8]) -> Vec<u8> {
        let mut m = Module::new();
        for p in wasmparser::Parser::new(0).parse_all(wasm) {
            let p = p.unwrap();
            if let Some((id, range)) = p.as_section() {
                if id != 0 {
                    m.section(&wasm_encoder::RawSection {
                        id,
                        data: &wasm[range],
                    });
                }
            }
        }
        m.finish()
    }

    fn same(emitted: Vec<u8>, wat: &str) {
        wasmparser::Validator::new().validate_all(&emitted).unwrap();
        let want = wat::parse_str(wat).unwrap();
        assert_eq!(code_only(&emitted), code_only(&want), "differs from\n{wat}");
    }

    const MODES: [Mode; 4] = [Mode::Table, Mode::Host, Mode::Opaque, Mode::Exported];

    #[test]
    fn shims_are_their_wat() {
        for mode in MODES {
            for op in ["new", "rep"] {
                same(
                    new_or_rep(op, 3, 70000, mode),
                    &res::new_or_rep_shim(op, 3, 70000, mode),
                );
            }
            for check in [false, true] {
                for dtor in [false, true] {
                    let shim = DropShim {
                        table: 4095,
                        key: 5,
                        res: 9,
                        mode,
                        check_leave: check,
                        dtor,
                    };
                    same(resource_drop(&shim), &res::drop_shim(&shim));
                }
            }
        }
    }

    #[test]
    fn glue_info_is_its_wat() {
        let t = |mode, instance, key, definer| {
            Some(TypeTable {
                mode,
                instance,
                key,
                definer,
            })
        };
        let tables = [
            t(Mode::Table, 1, 0, true),
            None,
            t(Mode::Exported, 4095, 131071, false),
            t(Mode::Opaque, 2, 7, true),
            t(Mode::Host, 0, 3, false),
        ];
        for n in 0..=tables.len() {
            for keys in [&[][..], &[7], &[0, 131071, 12]] {
                same(
                    glue_info(&tables[..n], keys),
                    &res::glue_info_wat(&tables[..n], keys),
                );
            }
        }
    }
}
