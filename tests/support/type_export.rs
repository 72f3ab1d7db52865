//! A WIT-expressible composition made inexpressible: a type exported at
//! the top level (tests/rust_fixtures.rs, tests/wrap_types.rs).

/// `bytes` with `(type (enum "meld-tag"))` exported at the top level as
/// `meld-tag`: the composition stays valid and runs the same, but WIT can no
/// longer express it, so `--component` takes the component-type path.
pub fn with_top_level_type_export(bytes: &[u8]) -> Vec<u8> {
    let mut features = wasmparser::WasmFeatures::default();
    features.insert(wasmparser::WasmFeatures::COMPONENT_MODEL);
    features.insert(wasmparser::WasmFeatures::CM_MAP);
    features.insert(wasmparser::WasmFeatures::CM_FIXED_LENGTH_LISTS);
    let types = wasmparser::Validator::new_with_features(features)
        .validate_all(bytes)
        .expect("fixture validates");
    let index = types.as_ref().component_type_count();
    assert!(meld_core::front::world::wit_payload(bytes).is_ok());
    let mut out = bytes.to_vec();
    let mut ts = wasm_encoder::ComponentTypeSection::new();
    ts.defined_type().enum_type(["meld-tag"]);
    let mut es = wasm_encoder::ComponentExportSection::new();
    es.export(
        "meld-tag",
        wasm_encoder::ComponentExportKind::Type,
        index,
        None,
    );
    use wasm_encoder::ComponentSection;
    for (id, data) in [(ts.id(), section_bytes(&ts)), (es.id(), section_bytes(&es))] {
        out.push(id);
        wasm_encoder::Encode::encode(data.as_slice(), &mut out);
    }
    assert!(meld_core::front::world::wit_payload(&out).is_err());
    out
}

fn section_bytes(s: &impl wasm_encoder::Encode) -> Vec<u8> {
    // A section encodes as its size then its contents.
    let mut v = Vec::new();
    s.encode(&mut v);
    let mut r = wasmparser::BinaryReader::new(&v, 0);
    let n = r.read_var_u32().unwrap() as usize;
    v[v.len() - n..].to_vec()
}
