//! meld: statically fuse a WebAssembly component composition into one core module.
//!
//! Pipeline (each stage its own module, typed hand-off):
//! `compose` → `translate` → `graph` → `merge` (+ `builtins`) → `encode` → `wrap`.

pub mod builtins;
mod error;

pub use error::Error;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How the fused module lays out component memories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemoryMode {
    /// One memory per component (multi-memory).
    #[default]
    Multi,
    /// All components share one memory (not supported yet).
    Shared,
    /// Let meld pick (currently: multi).
    Auto,
}

/// Options for [`fuse`].
#[derive(Debug, Clone, Default)]
pub struct FuseOptions {
    pub memory: MemoryMode,
}

/// The output of [`fuse`].
#[derive(Debug, Clone)]
pub struct Fused {
    /// The fused, validated core module.
    pub wasm: Vec<u8>,
}

/// Fuse one composed component (or several components linked by name) into a
/// single core module.
pub fn fuse(_inputs: &[&[u8]], _opts: &FuseOptions) -> Result<Fused> {
    Err(Error::Unsupported("fuse is not implemented yet".into()))
}
