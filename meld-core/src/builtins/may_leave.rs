//! The may-leave rule at the two places FACT's adapters do not cover.
//!
//! wasmtime clears a component instance's `may_leave` flag while its
//! `realloc` or `post-return` runs, and a call out of the instance in that
//! window traps with `cannot leave component instance`. FACT's adapters
//! check the flag for calls between fused components; these two tiny
//! modules, emitted per use with the function's core type, do the rest:
//!
//! - [`guard`]: in front of a host import lowered by an instance whose flag
//!   can be cleared: checks the flag, then calls the import (wasmtime checks
//!   it on every `canon lower`ed import);
//! - [`window`]: in front of a `realloc` or `post-return` the host calls (the
//!   `cabi_realloc<N>` / `cabi_post_*` exports the ABI record names, and so
//!   the wrapper's lifts and lowers): clears the instance's flag for the
//!   call and restores it, as wasmtime does around its own calls of them.
//!
//! Both import the instance's flags global as `("", "flags")` and the
//! function as `("", "f")`, and export the wrapper as `f`.

use wasm_encoder::{
    CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection, GlobalType,
    ImportSection, Instruction, Module, NameMap, NameSection, TypeSection, ValType,
};

/// The trap's function name: wasmtime's words for it.
pub const CANNOT_LEAVE: &str = "cannot leave component instance";

fn val(t: &str) -> ValType {
    match t {
        "i64" => ValType::I64,
        "f32" => ValType::F32,
        "f64" => ValType::F64,
        _ => ValType::I32,
    }
}

fn header(params: &[&str], results: &[&str], extra_void: bool) -> (Module, u32) {
    let mut m = Module::new();
    let mut types = TypeSection::new();
    types.ty().function(
        params.iter().map(|t| val(t)),
        results.iter().map(|t| val(t)),
    );
    if extra_void {
        types.ty().function([], []);
    }
    m.section(&types);
    let mut imports = ImportSection::new();
    imports.import(
        "",
        "flags",
        EntityType::Global(GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        }),
    );
    imports.import("", "f", EntityType::Function(0));
    m.section(&imports);
    (m, params.len() as u32)
}

fn finish(
    mut m: Module,
    funcs: &[u32],
    bodies: Vec<Function>,
    export: u32,
    names: &[&str],
) -> Vec<u8> {
    let mut fs = FunctionSection::new();
    for t in funcs {
        fs.function(*t);
    }
    m.section(&fs);
    let mut ex = ExportSection::new();
    ex.export("f", ExportKind::Func, export);
    m.section(&ex);
    let mut code = CodeSection::new();
    for b in &bodies {
        code.function(b);
    }
    m.section(&code);
    let mut nm = NameMap::new();
    for (i, n) in names.iter().enumerate() {
        nm.append(i as u32, n);
    }
    let mut ns = NameSection::new();
    ns.functions(&nm);
    m.section(&ns);
    m.finish()
}

/// `f` checked: traps with [`CANNOT_LEAVE`] when the flag is clear.
pub fn guard(params: &[&str], results: &[&str]) -> Vec<u8> {
    let (m, n) = header(params, results, true);
    let mut trap = Function::new([]);
    trap.instruction(&Instruction::Unreachable);
    trap.instruction(&Instruction::End);
    let mut f = Function::new([]);
    f.instruction(&Instruction::GlobalGet(0));
    f.instruction(&Instruction::I32Eqz);
    f.instruction(&Instruction::If(wasm_encoder::BlockType::Empty));
    f.instruction(&Instruction::Call(1));
    f.instruction(&Instruction::End);
    for i in 0..n {
        f.instruction(&Instruction::LocalGet(i));
    }
    f.instruction(&Instruction::Call(0));
    f.instruction(&Instruction::End);
    finish(
        m,
        &[1, 0],
        vec![trap, f],
        2,
        &["import", CANNOT_LEAVE, "may-leave guard"],
    )
}

/// `f` with the flag cleared for the call and restored after it.
pub fn window(params: &[&str], results: &[&str]) -> Vec<u8> {
    let (m, n) = header(params, results, false);
    let saved = n;
    let mut f = Function::new([(1, ValType::I32)]);
    f.instruction(&Instruction::GlobalGet(0));
    f.instruction(&Instruction::LocalSet(saved));
    f.instruction(&Instruction::I32Const(0));
    f.instruction(&Instruction::GlobalSet(0));
    for i in 0..n {
        f.instruction(&Instruction::LocalGet(i));
    }
    f.instruction(&Instruction::Call(0));
    f.instruction(&Instruction::LocalGet(saved));
    f.instruction(&Instruction::GlobalSet(0));
    f.instruction(&Instruction::End);
    finish(m, &[0], vec![f], 1, &["callee", "may-leave window"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_and_window_validate() {
        for (p, r) in [
            (vec![], vec![]),
            (vec!["i32", "i32", "i32", "i32"], vec!["i32"]),
            (vec!["i64", "f32", "f64"], vec!["f64"]),
        ] {
            for bytes in [guard(&p, &r), window(&p, &r)] {
                wasmparser::Validator::new()
                    .validate_all(&bytes)
                    .expect("valid builtin");
            }
        }
    }
}
