//! Cheap checks before translation: is this a component at all, and does it
//! use a feature meld cannot fuse yet? Each refusal names the construct.

use crate::{Error, Result};
use wasmtime_environ::wasmparser::{
    CanonicalFunction, CanonicalOption, ComponentDefinedType, ComponentType, Parser, Payload,
};

const MAGIC: &[u8; 4] = b"\0asm";

/// What kind of WebAssembly binary the header says this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryKind {
    CoreModule,
    Component,
}

/// Classify `bytes` by their 8-byte header.
pub fn classify(bytes: &[u8]) -> Result<BinaryKind> {
    if bytes.len() < 4 || &bytes[..4] != MAGIC {
        return Err(Error::NotWasm(
            "the file does not start with the `\\0asm` magic bytes".into(),
        ));
    }
    if bytes.len() < 8 {
        return Err(Error::Invalid(
            "truncated header: fewer than 8 bytes".into(),
        ));
    }
    match bytes[4..8] {
        [1, 0, 0, 0] => Ok(BinaryKind::CoreModule),
        [0x0d, 0, 1, 0] => Ok(BinaryKind::Component),
        _ => Err(Error::Invalid(format!(
            "unknown binary version/layer {:02x?}",
            &bytes[4..8]
        ))),
    }
}

/// Refuse inputs that are not components or that use features the
/// synchronous fusion pipeline does not support.
pub fn check_component(bytes: &[u8]) -> Result<()> {
    if classify(bytes)? == BinaryKind::CoreModule {
        return Err(Error::CoreModuleInput);
    }
    // Components are walked, nested ones included; core modules are skipped
    // whole (nothing in them concerns this check, and they are most of the
    // bytes).
    let invalid = |e: wasmparser::BinaryReaderError| Error::Invalid(e.to_string());
    let mut parser = Parser::new(0);
    let mut parents = Vec::new();
    let mut data = bytes;
    loop {
        let (payload, consumed) = match parser.parse(data, true).map_err(invalid)? {
            wasmparser::Chunk::Parsed { payload, consumed } => (payload, consumed),
            // With all the bytes given, the parser reports truncation as an
            // error instead.
            wasmparser::Chunk::NeedMoreData(_) => {
                return Err(Error::Invalid("truncated component".into()))
            }
        };
        data = &data[consumed..];
        match payload {
            Payload::ModuleSection {
                unchecked_range, ..
            } => {
                data = data
                    .get(unchecked_range.len()..)
                    .ok_or_else(|| Error::Invalid("truncated core module".into()))?;
            }
            Payload::ComponentSection { parser: nested, .. } => {
                parents.push(std::mem::replace(&mut parser, nested));
            }
            Payload::End(_) => match parents.pop() {
                Some(parent) => parser = parent,
                None => break,
            },
            Payload::ComponentCanonicalSection(reader) => {
                for func in reader {
                    let func = func.map_err(|e| Error::Invalid(e.to_string()))?;
                    check_canonical(&func)?;
                }
            }
            Payload::ComponentTypeSection(reader) => {
                for ty in reader {
                    let ty = ty.map_err(|e| Error::Invalid(e.to_string()))?;
                    if let ComponentType::Defined(d) = &ty {
                        check_defined_type(d)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_defined_type(ty: &ComponentDefinedType<'_>) -> Result<()> {
    match ty {
        ComponentDefinedType::Stream(_) => Err(unsupported_async("`stream` types")),
        ComponentDefinedType::Future(_) => Err(unsupported_async("`future` types")),
        _ => Ok(()),
    }
}

fn unsupported_async(what: &str) -> Error {
    Error::Unsupported(format!(
        "async (component-model concurrency): the component uses {what}"
    ))
}

fn check_options(options: &[CanonicalOption], what: &str) -> Result<()> {
    for opt in options {
        match opt {
            CanonicalOption::Async => {
                return Err(unsupported_async(&format!("an async `canon {what}`")))
            }
            CanonicalOption::Callback(_) => {
                return Err(unsupported_async(&format!(
                    "an async callback on `canon {what}`"
                )))
            }
            CanonicalOption::Gc => {
                return Err(Error::Unsupported(format!(
                    "the `gc` canonical option on `canon {what}`"
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_canonical(func: &CanonicalFunction) -> Result<()> {
    match func {
        CanonicalFunction::Lift { options, .. } => check_options(options, "lift"),
        CanonicalFunction::Lower { options, .. } => check_options(options, "lower"),
        CanonicalFunction::ResourceNew { .. }
        | CanonicalFunction::ResourceDrop { .. }
        | CanonicalFunction::ResourceRep { .. } => Ok(()),
        CanonicalFunction::ThreadSpawnRef { .. }
        | CanonicalFunction::ThreadSpawnIndirect { .. }
        | CanonicalFunction::ThreadAvailableParallelism => Err(Error::Unsupported(
            "shared-everything threads (`thread.*` built-ins)".into(),
        )),
        other => {
            let name = format!("{other:?}");
            let name = name.split([' ', '{', '(']).next().unwrap_or("").to_string();
            Err(unsupported_async(&format!("the `{name}` built-in")))
        }
    }
}
