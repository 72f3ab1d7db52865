//! The composition's WIT world, embedded in the fused module as a
//! `component-type` custom section (the format wit-bindgen and wit-component
//! use), so tools and hosts can see the types behind the core signatures.

use crate::{Error, Result};
use wit_component::DecodedWasm;

/// Name of the custom section carrying the world.
pub const SECTION: &str = "component-type:meld";

/// What a fused module carries for its wrapper: the WIT world when one
/// expresses the composition's imports and exports, or else the
/// composition's own component type ([`crate::wrap::shell`], section
/// [`crate::wrap::shell::SECTION`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// A `component-type` payload of the WIT world (section [`SECTION`]).
    Wit(Vec<u8>),
    /// A component holding the composition's component type.
    Types(Vec<u8>),
}

impl Payload {
    /// The custom section's name.
    pub fn section(&self) -> &'static str {
        match self {
            Payload::Wit(_) => SECTION,
            Payload::Types(_) => crate::wrap::shell::SECTION,
        }
    }

    /// The custom section's contents.
    pub fn data(&self) -> &[u8] {
        match self {
            Payload::Wit(d) | Payload::Types(d) => d,
        }
    }
}

/// Decode the world of a component.
pub fn decode(component: &[u8]) -> Result<(wit_parser::Resolve, wit_parser::WorldId)> {
    match wit_component::decode(component) {
        Ok(DecodedWasm::Component(resolve, world)) => Ok((resolve, world)),
        Ok(DecodedWasm::WitPackage(..)) => Err(Error::Invalid(
            "the input is a WIT package, not a component".into(),
        )),
        Err(e) => Err(Error::Unsupported(format!(
            "cannot express the composition's world as WIT: {e:#}"
        ))),
    }
}

/// The `component-type` section payload describing `component`'s world.
pub fn wit_payload(component: &[u8]) -> Result<Vec<u8>> {
    let (resolve, world) = decode(component)?;
    wit_component::metadata::encode(&resolve, world, wit_component::StringEncoding::UTF8, None)
        .map_err(|e| Error::Internal(format!("cannot encode the world: {e:#}")))
}

/// What the wrapper of `component` needs: its WIT world, or, when WIT
/// cannot express it (a type exported at the top level, a resource with no
/// interface, ...), its component type. Only when neither can carry the
/// composition is it an error, naming both reasons.
pub fn section_payload(component: &[u8]) -> Result<Payload> {
    let wit = match wit_payload(component) {
        Ok(w) => return Ok(Payload::Wit(w)),
        Err(Error::Unsupported(m)) => m,
        Err(e) => return Err(e),
    };
    crate::wrap::shell::carrier(component)
        .map(Payload::Types)
        .map_err(|e| match e {
            Error::Unsupported(m) => Error::Unsupported(format!("{wit}; and {m}")),
            other => other,
        })
}

/// The world of `component` as WIT text.
pub fn wit_text(component: &[u8]) -> Result<String> {
    let (resolve, world) = decode(component)?;
    print(&resolve, world)
}

/// A decoded world (and its package) as WIT text.
pub fn print(resolve: &wit_parser::Resolve, world: wit_parser::WorldId) -> Result<String> {
    let mut printer = wit_component::WitPrinter::default();
    let pkg = resolve.worlds[world]
        .package
        .ok_or_else(|| Error::Internal("decoded world has no package".into()))?;
    printer
        .print(resolve, pkg, &[])
        .map_err(|e| Error::Internal(format!("cannot print WIT: {e:#}")))?;
    Ok(printer.output.to_string())
}
