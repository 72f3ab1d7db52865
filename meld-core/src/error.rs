//! The one error type of the library.

/// Everything that can go wrong while fusing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input bytes are not a WebAssembly binary at all.
    #[error("not a WebAssembly binary: {0}")]
    NotWasm(String),
    /// A core module was given where a component is expected.
    #[error("this is a core WebAssembly module; meld expects a component")]
    CoreModuleInput,
    /// The input failed to parse or validate.
    #[error("invalid component: {0}")]
    Invalid(String),
    /// Inputs could not be linked together.
    #[error("cannot link inputs: {0}")]
    Link(String),
    /// A command-line option or [`crate::FuseOptions`] field is wrong.
    #[error("invalid option: {0}")]
    BadOption(String),
    /// A feature meld does not support yet.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The input asks for more than a limit allows: an expansion limit
    /// ([`crate::Limits`], raised by the flag `remedy` names) or a limit of
    /// the core-module format (see [`crate::limits`]).
    #[error("limit exceeded: {what}: {count} (limit {limit}; {remedy})")]
    Limit {
        what: String,
        count: u64,
        limit: u64,
        remedy: String,
    },
    /// `meld wrap`: the core module cannot be wrapped (not what `meld fuse`
    /// wrote, or transformed beyond what its `meld:abi` record describes).
    #[error("cannot wrap: {0}")]
    Wrap(String),
    /// A bug in meld itself.
    #[error("internal error: {0}")]
    Internal(String),
    /// The produced module failed validation (a bug in meld).
    #[error("internal error: fused output does not validate: {0}")]
    OutputInvalid(String),
}
