//! Limits: how much work an input may ask for, and what the output format
//! can hold.
//!
//! Two kinds, both reported as [`Error::Limit`] naming the limit, the count
//! and the way out:
//! - **expansion limits** ([`Limits`], raised by flags): counted before
//!   translation by [`crate::front::precount`] on the composition with every
//!   nested instantiation expanded, so an input that would take
//!   exponential time or memory is refused after one pass over its bytes;
//!   the output-size limit is checked again on the actual output;
//! - **format limits** (fixed): what a core module may hold (wasmparser's
//!   and the engines' limits: 100 memories, 100 tables, a million
//!   functions, …), checked on the merged module before it is encoded.

use crate::front::precount::Expansion;
use crate::Error;

/// Expansion limits (`meld fuse --max-*`). The defaults match wasmtime's
/// where it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Core instances of the composition's modules once nested component
    /// instantiations are expanded (`--max-instances`; wasmtime's default
    /// instance limit per store, 10 000).
    pub instances: u64,
    /// Component instances once expanded, the root included
    /// (`--max-component-instances`, 1 000). wasmtime has no such limit
    /// (it flattens them at compile time, as meld does); the translator's
    /// memory grows with the square of the adapter modules it makes, about
    /// one per component instance that calls another.
    pub component_instances: u64,
    /// FACT adapters once expanded: `canon lower`s of functions lifted
    /// inside the composition (`--max-adapters`, 1 000). The translator
    /// validates each adapter module against one type list that grows with
    /// every module, copying it each time: time and memory grow with the
    /// square of the adapters (about 0.12 GB at 1 000, 2.7 GB at 5 000).
    pub adapters: u64,
    /// Size of the fused module in bytes, estimated before translation and
    /// checked on the output (`--max-output-size`, 256 MiB).
    pub output_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            instances: 10_000,
            component_instances: 1_000,
            adapters: 1_000,
            output_size: 256 << 20,
        }
    }
}

/// The core-module format's limits (wasmparser's `limits.rs`, agreed with
/// the engines: <https://webassembly.github.io/spec/js-api/#limits>).
pub mod format {
    pub const MEMORIES: u64 = 100;
    pub const TABLES: u64 = 100;
    pub const FUNCTIONS: u64 = 1_000_000;
    pub const GLOBALS: u64 = 1_000_000;
    pub const TYPES: u64 = 1_000_000;
    pub const TAGS: u64 = 1_000_000;
    pub const IMPORTS: u64 = 1_000_000;
    pub const EXPORTS: u64 = 1_000_000;
    pub const ELEMENT_SEGMENTS: u64 = 100_000;
    pub const DATA_SEGMENTS: u64 = 100_000;
}

/// The error for `count` past `limit`; `flag` raises an expansion limit.
pub(crate) fn limit_error(what: &str, count: u64, limit: u64, flag: Option<&str>) -> Error {
    let remedy = match flag {
        Some(flag) => format!("raise it with {flag}"),
        None => "a limit of the core-module format".to_string(),
    };
    Error::Limit {
        what: what.to_string(),
        count,
        limit,
        remedy,
    }
}

fn memories_error(count: u64) -> Error {
    Error::Limit {
        what: "memories in the fused module".into(),
        count,
        limit: format::MEMORIES,
        remedy: "a limit of the core-module format; with `--memory multi` each \
                 component instance keeps its own memory, `--memory shared` (not \
                 supported yet) would put them in one"
            .into(),
    }
}

fn check(what: &str, count: u64, limit: u64, flag: Option<&str>) -> crate::Result<()> {
    if count > limit {
        return Err(limit_error(what, count, limit, flag));
    }
    Ok(())
}

impl Limits {
    /// Refuse an expansion past these limits, or past the format's limits
    /// that no later stage can bring it under (memories and tables are
    /// never removed).
    pub fn check_expansion(&self, e: &Expansion) -> crate::Result<()> {
        // The format's limits first: raising another limit would not help.
        if e.memories > format::MEMORIES {
            return Err(memories_error(e.memories));
        }
        check("tables in the fused module", e.tables, format::TABLES, None)?;
        check(
            "component instances after expanding nested instantiations",
            e.component_instances,
            self.component_instances,
            Some("--max-component-instances"),
        )?;
        check(
            "core instances after expanding nested instantiations",
            e.core_instances,
            self.instances,
            Some("--max-instances"),
        )?;
        check(
            "adapters (functions lifted and lowered again) after expanding nested instantiations",
            e.adapters,
            self.adapters,
            Some("--max-adapters"),
        )?;
        check(
            "estimated output size in bytes",
            e.estimated_output_bytes(),
            self.output_size,
            Some("--max-output-size"),
        )
    }

    /// Refuse an output of `bytes` bytes past the output-size limit.
    pub fn check_output_size(&self, bytes: usize) -> crate::Result<()> {
        check(
            "output size in bytes",
            bytes as u64,
            self.output_size,
            Some("--max-output-size"),
        )
    }
}

/// What the fused module holds, checked by [`check_format`].
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct OutputCounts {
    pub functions: u64,
    pub imports: u64,
    pub exports: u64,
    pub types: u64,
    pub memories: u64,
    pub tables: u64,
    pub globals: u64,
    pub tags: u64,
    pub element_segments: u64,
    pub data_segments: u64,
}

/// Refuse a module the core-module format cannot hold (checked before
/// encoding, so the refusal names the limit instead of failing validation).
pub(crate) fn check_format(c: &OutputCounts) -> crate::Result<()> {
    if c.memories > format::MEMORIES {
        return Err(memories_error(c.memories));
    }
    for (what, count, limit) in [
        ("tables in the fused module", c.tables, format::TABLES),
        (
            "functions in the fused module",
            c.functions,
            format::FUNCTIONS,
        ),
        ("globals in the fused module", c.globals, format::GLOBALS),
        ("function types in the fused module", c.types, format::TYPES),
        ("tags in the fused module", c.tags, format::TAGS),
        ("imports of the fused module", c.imports, format::IMPORTS),
        ("exports of the fused module", c.exports, format::EXPORTS),
        (
            "element segments in the fused module",
            c.element_segments,
            format::ELEMENT_SEGMENTS,
        ),
        (
            "data segments in the fused module",
            c.data_segments,
            format::DATA_SEGMENTS,
        ),
    ] {
        check(what, count, limit, None)?;
    }
    Ok(())
}
