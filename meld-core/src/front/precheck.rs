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

/// Refuse inputs that are not components or that use features meld cannot
/// fuse (named in the error).
pub fn check_component(bytes: &[u8]) -> Result<()> {
    walk(bytes, &mut |item| match item {
        Item::Canonical(func) => check_canonical(func),
        Item::Type(_) => Ok(()),
    })
}

/// Whether the component uses component-model concurrency anywhere (an
/// `async` or `callback` canonical option, an async/stream/future/
/// error-context/context built-in, or a `stream`/`future` type). Only such
/// a composition is translated with concurrency support
/// ([`crate::front::translate`]); every other one keeps the synchronous
/// translation, byte for byte.
pub fn uses_async(bytes: &[u8]) -> Result<bool> {
    let mut found = false;
    walk(bytes, &mut |item| {
        found |= match item {
            Item::Canonical(func) => canonical_is_async(func),
            Item::Type(ty) => matches!(
                ty,
                ComponentDefinedType::Stream(_) | ComponentDefinedType::Future(_)
            ),
        };
        Ok(())
    })?;
    Ok(found)
}

fn canonical_is_async(func: &CanonicalFunction) -> bool {
    let async_options = |options: &[CanonicalOption]| {
        options
            .iter()
            .any(|o| matches!(o, CanonicalOption::Async | CanonicalOption::Callback(_)))
    };
    match func {
        CanonicalFunction::Lift { options, .. } | CanonicalFunction::Lower { options, .. } => {
            async_options(options)
        }
        CanonicalFunction::ResourceNew { .. }
        | CanonicalFunction::ResourceDrop { .. }
        | CanonicalFunction::ResourceRep { .. }
        | CanonicalFunction::ThreadSpawnRef { .. }
        | CanonicalFunction::ThreadSpawnIndirect { .. }
        | CanonicalFunction::ThreadAvailableParallelism => false,
        _ => true,
    }
}

/// What [`walk`] shows its visitor.
enum Item<'a, 'b> {
    Canonical(&'a CanonicalFunction),
    Type(&'a ComponentDefinedType<'b>),
}

/// Walk the component level (nested components included, core modules
/// skipped whole: nothing in them concerns these checks, and they are most
/// of the bytes), showing `visit` every canonical function and defined type.
fn walk(bytes: &[u8], visit: &mut dyn FnMut(Item<'_, '_>) -> Result<()>) -> Result<()> {
    if classify(bytes)? == BinaryKind::CoreModule {
        return Err(Error::CoreModuleInput);
    }
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
                    visit(Item::Canonical(&func))?;
                }
            }
            Payload::ComponentTypeSection(reader) => {
                for ty in reader {
                    let ty = ty.map_err(|e| Error::Invalid(e.to_string()))?;
                    if let ComponentType::Defined(d) = &ty {
                        visit(Item::Type(d))?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn unsupported_async(what: &str) -> Error {
    Error::Unsupported(format!(
        "async (component-model concurrency): the component uses {what}"
    ))
}

fn check_options(options: &[CanonicalOption], what: &str) -> Result<()> {
    for opt in options {
        if let CanonicalOption::Gc = opt {
            return Err(Error::Unsupported(format!(
                "the `gc` canonical option on `canon {what}`"
            )));
        }
    }
    Ok(())
}

fn check_canonical(func: &CanonicalFunction) -> Result<()> {
    match func {
        CanonicalFunction::Lift { options, .. } => check_options(options, "lift"),
        CanonicalFunction::Lower { options, .. } => check_options(options, "lower"),
        CanonicalFunction::ThreadSpawnRef { .. }
        | CanonicalFunction::ThreadSpawnIndirect { .. }
        | CanonicalFunction::ThreadAvailableParallelism => Err(Error::Unsupported(
            "shared-everything threads (`thread.*` built-ins)".into(),
        )),
        CanonicalFunction::ThreadIndex
        | CanonicalFunction::ThreadNewIndirect { .. }
        | CanonicalFunction::ThreadResumeLater
        | CanonicalFunction::ThreadSuspend { .. }
        | CanonicalFunction::ThreadSuspendThenResume { .. }
        | CanonicalFunction::ThreadYieldThenResume { .. }
        | CanonicalFunction::ThreadSuspendThenPromote { .. }
        | CanonicalFunction::ThreadYieldThenPromote { .. } => {
            let name = format!("{func:?}");
            let name = name.split([' ', '{', '(']).next().unwrap_or("").to_string();
            Err(unsupported_async(&format!(
                "the `{name}` built-in (cooperative threads)"
            )))
        }
        // Every other async built-in is accepted here; the graph refuses,
        // by name, those this slice of the runtime does not implement.
        _ => Ok(()),
    }
}
