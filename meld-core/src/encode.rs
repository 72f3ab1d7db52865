//! Stage 4: merged sections → module bytes, validated.
//!
//! Section order follows the core spec; everything is emitted in index order
//! or sorted order, so the same input always gives the same bytes.

use crate::abi::{self, AbiExports, AbiRecord};
use crate::graph::Graph;
use crate::merge::Merged;
use crate::{Error, Result};
use wasm_encoder::{
    CustomSection, DataCountSection, EntityType, ExportKind, ExportSection, ImportSection, Module,
    NameMap, NameSection, StartSection, TypeSection,
};

/// Assemble the final module.
///
/// Takes the merged sections by value: each is dropped as soon as it has been
/// copied into the module, and the module before dead-code removal is
/// dropped before the final one is validated, to keep the peak memory down.
pub fn encode(
    graph: &Graph,
    mut m: Merged,
    record: &mut AbiRecord,
    extra: &AbiExports,
    component_type: Option<&[u8]>,
    parallel: bool,
) -> Result<Encoded> {
    let mut module = Module::new();

    let mut types = TypeSection::new();
    for (params, results) in m.types.keys() {
        types
            .ty()
            .function(params.iter().copied(), results.iter().copied());
    }
    module.section(&types);

    let mut imports = ImportSection::new();
    for (h, ty) in graph.host_funcs.iter().zip(&m.host_types) {
        imports.import(&h.module, &h.field, EntityType::Function(*ty));
    }
    if !graph.host_funcs.is_empty() {
        module.section(&imports);
    }
    module.section(&m.functions);
    module.section(&m.tables);
    module.section(&m.memories);
    if m.counts.tags > 0 {
        module.section(&m.tags);
    }
    module.section(&m.globals);

    let mut exports = ExportSection::new();
    let mut seen = std::collections::BTreeSet::new();
    for e in &record.exports {
        if !seen.insert(e.name.clone()) {
            return Err(Error::Internal(format!("duplicate export `{}`", e.name)));
        }
        exports.export(&e.name, ExportKind::Func, e.func);
    }
    for (name, (kind, idx)) in &extra.items {
        if !seen.insert(name.clone()) {
            return Err(Error::Internal(format!("duplicate export `{name}`")));
        }
        exports.export(name, *kind, *idx);
    }
    module.section(&exports);

    if let Some(start) = m.start {
        module.section(&StartSection {
            function_index: start,
        });
    }
    module.section(&m.elements);
    if m.data_count > 0 {
        module.section(&DataCountSection {
            count: m.data_count,
        });
    }
    module.section(&m.code);
    m.code = Default::default();
    module.section(&m.data);
    m.data = Default::default();

    let mut names = NameSection::new();
    names.module("meld-fused");
    let mut funcs = NameMap::new();
    for (i, h) in graph.host_funcs.iter().enumerate() {
        funcs.append(i as u32, &format!("host:{}#{}", h.module, h.field));
    }
    let mut sorted = std::mem::take(&mut m.func_names);
    sorted.sort_by_key(|(i, _)| *i);
    for (i, n) in &sorted {
        funcs.append(*i, n);
    }
    names.functions(&funcs);
    module.section(&names);

    let bytes = module.finish();

    // Drop dead functions, then renumber the record to match. The module is
    // validated once, after this pass (validation is the costliest step of
    // encoding); should the pass fail, the module it was given is validated
    // instead, so an invalid merge is still reported (and dumped) as such.
    let dce = match crate::dce::eliminate_with(&bytes, Some(&m.calls)) {
        Ok(dce) => dce,
        Err(e) => {
            check(&bytes, parallel)?;
            return Err(e);
        }
    };
    drop(bytes);
    drop(m);
    let new = |i: u32| {
        dce.map[i as usize].ok_or_else(|| {
            Error::Internal(format!("function {i} named by the ABI record was removed"))
        })
    };
    for e in &mut record.exports {
        e.func = new(e.func)?;
        if let Some(r) = e.options.realloc_index.as_mut() {
            *r = new(*r)?;
        }
    }
    for i in &mut record.imports {
        if let Some(r) = i.options.realloc_index.as_mut() {
            *r = new(*r)?;
        }
    }
    let mut bytes = dce.wasm;
    append_custom(
        &mut bytes,
        abi::SECTION,
        record.to_compact_json().as_bytes(),
    );
    if let Some(ct) = component_type {
        append_custom(&mut bytes, crate::world::SECTION, ct);
    }
    check(&bytes, parallel)?;
    Ok(Encoded {
        wasm: bytes,
        removed_functions: dce.removed,
    })
}

/// The encoded module.
pub struct Encoded {
    pub wasm: Vec<u8>,
    pub removed_functions: u32,
}

/// Append a custom section to encoded module bytes.
fn append_custom(bytes: &mut Vec<u8>, name: &str, data: &[u8]) {
    use wasm_encoder::Encode;
    let section = CustomSection {
        name: name.into(),
        data: data.into(),
    };
    bytes.push(0);
    section.encode(bytes);
}

fn check(bytes: &[u8], parallel: bool) -> Result<()> {
    if let Err(e) = validate_with(bytes, parallel) {
        // Debugging aid for meld developers: keep the invalid module.
        if let Some(path) = std::env::var_os("MELD_DUMP_INVALID") {
            let _ = std::fs::write(path, bytes);
        }
        return Err(e);
    }
    Ok(())
}

/// Below this much code, validating on a second thread costs more than it
/// saves.
const SERIAL_VALIDATION_BYTES: usize = 32 * 1024;

/// Validate a fused core module with the features meld emits.
///
/// Module-level validation runs on this thread; function bodies are split
/// between it and one more thread (the bodies are independent), which is
/// what the fuse time is mostly spent on. The first error in function order
/// is reported, so the outcome does not depend on scheduling.
pub fn validate(bytes: &[u8]) -> Result<()> {
    validate_with(bytes, true)
}

/// [`validate`], optionally all on the calling thread.
pub fn validate_with(bytes: &[u8], parallel: bool) -> Result<()> {
    let err = |e: wasmparser::BinaryReaderError| Error::OutputInvalid(e.to_string());
    let mut validator = wasmparser::Validator::new_with_features(crate::translate::features());
    let mut funcs = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match validator.payload(&payload.map_err(err)?).map_err(err)? {
            wasmparser::ValidPayload::Func(f, body) => funcs.push((f, body)),
            wasmparser::ValidPayload::Parser(_) => {
                return Err(Error::OutputInvalid("a core module must not nest".into()))
            }
            wasmparser::ValidPayload::Ok | wasmparser::ValidPayload::End(_) => {}
        }
    }
    let check_bodies = |chunk: Vec<(
        wasmparser::FuncToValidate<wasmparser::ValidatorResources>,
        wasmparser::FunctionBody<'_>,
    )>| {
        let mut allocs = wasmparser::FuncValidatorAllocations::default();
        for (f, body) in chunk {
            let mut v = f.into_validator(allocs);
            v.validate(&body).map_err(err)?;
            allocs = v.into_allocations();
        }
        Ok::<(), Error>(())
    };
    // Two halves with about the same amount of code.
    let total: usize = funcs.iter().map(|(_, b)| b.range().len()).sum();
    let mut split = 0;
    let mut acc = 0;
    while split < funcs.len() && acc * 2 < total {
        acc += funcs[split].1.range().len();
        split += 1;
    }
    if !parallel || total < SERIAL_VALIDATION_BYTES {
        return check_bodies(funcs);
    }
    let second = funcs.split_off(split);
    let first = funcs;
    std::thread::scope(|s| {
        let other = s.spawn(|| check_bodies(second));
        let a = check_bodies(first);
        let b = other
            .join()
            .unwrap_or_else(|_| Err(Error::Internal("validation thread panicked".into())));
        a.and(b)
    })
}
