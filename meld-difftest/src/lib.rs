//! Random differential testing of `meld_core::fuse`.
//!
//! A case is a random component function type with random string encodings
//! on both sides, rendered as a two-component composition whose `run`
//! export returns a checksum of everything that crossed the boundary (see
//! [`wat_gen`]). The composition runs unfused, fused (wasmtime and wasmi),
//! and fused + wrapped; all must match the checksum computed in Rust.
//! A quarter of the cases are async (component-model async: callback
//! lifts, async lowers, an async `run`; [`wat_async`]) with the same checksum,
//! and one in six a stream or future between the two ([`wat_stream`]).
//!
//! Shared by the `meld-difftest` binary and `tests/difftest.rs`.

pub mod case;
pub mod layout;
pub mod rng;
pub mod runner;
pub mod types;
pub mod values;
pub mod wat_async;
pub mod wat_core;
pub mod wat_gen;
pub mod wat_stream;
