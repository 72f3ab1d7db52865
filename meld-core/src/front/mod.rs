//! The front end: input bytes → a validated, flattened composition.
//!
//! **Takes** the input file(s) as bytes. **Hands on** one component's bytes,
//! its wasmtime-environ translation (handed straight to [`crate::graph`], so
//! no wasmtime-environ type leaves the front end and the graph), the WIT
//! world payload, and the `--opaque-rep` names resolved to the translator's
//! resource indices.
//!
//! - [`precheck`]: refuses non-wasm, core modules and features meld cannot
//!   fuse yet, each with a named error (runs beside translation);
//! - [`precount`]: what the composition expands to (instances, modules
//!   copied, memories, tables, functions, output size), counted without
//!   inlining and checked against [`crate::Limits`] before translation;
//! - [`compose`]: several input components → one (wac-graph, by name);
//! - [`translate`]: wasmtime-environ's `Translator` (validation, inlining,
//!   FACT adapters);
//! - [`world`]: the composition's WIT world as a `component-type` payload;
//! - [`resource_names`]: `IFACE.RESOURCE` → the translator's resource ids.
//!
//! **Leaves** every decision about the fused module's layout to
//! [`crate::graph`] and [`crate::merge`]; nothing here produces core wasm.

pub mod compose;
pub mod precheck;
pub mod precount;
pub mod resource_names;
pub mod translate;
pub mod world;
