//! Stage 1: component bytes → wasmtime-environ's flat translation, handed
//! straight to [`crate::graph`] so no wasmtime-environ type leaves this pair of
//! modules.
//!
//! The translator validates the component, inlines nested components and runs
//! FACT, which adds the adapter modules to the list of static modules.

use crate::front::precheck;
use crate::graph::{self, Graph};
use crate::{Error, Result};
use wasmtime_environ::component::{ComponentTypesBuilder, Translator};
use wasmtime_environ::wasmparser::{Validator, WasmFeatures};
use wasmtime_environ::{ScopeVec, Tunables};

/// The core-wasm and component features meld accepts in its input, and
/// validates its output with.
///
/// The core proposals are the ones wasmtime 48 enables by default
/// (`Config::features` in wasmtime's `config.rs`: `WASM3`, i.e. multi-value,
/// reference types, bulk memory, SIMD, relaxed SIMD, tail calls,
/// extended-const, function references, multi-memory, memory64, threads,
/// exceptions and GC, plus the `GC_TYPES` pseudo-feature); the component ones
/// are wasmtime's defaults plus the two value types meld fuses that wasmtime
/// has behind a switch: fixed-length lists and maps (`CM_MAP`).
///
/// Some of these validate but are refused later with a named error: GC
/// struct/array types and recursive type groups (the merge interns function
/// types only), async and threads built-ins (the precheck).
pub fn features() -> WasmFeatures {
    WasmFeatures::WASM3
        | WasmFeatures::GC_TYPES
        | WasmFeatures::COMPONENT_MODEL
        | WasmFeatures::CM_ASYNC
        | WasmFeatures::CM_FIXED_LENGTH_LISTS
        | WasmFeatures::CM_MAP
}

/// [`features`] plus the component-model concurrency features real async
/// toolchain output uses (`docs/async.md`): used only for a composition that
/// uses async ([`precheck::uses_async`]).
pub fn async_features() -> WasmFeatures {
    features()
        | WasmFeatures::CM_MORE_ASYNC_BUILTINS
        | WasmFeatures::CM_ASYNC_STACKFUL
        | WasmFeatures::CM_ERROR_CONTEXT
        | WasmFeatures::CM_THREADING
}

/// The features the translator runs with on the first try: [`features`]
/// without exceptions. With exceptions on, FACT wraps every adapter body in
/// a `try_table` whose `catch_all` traps (an exception must not cross a
/// component boundary), which core-only engines without the proposal (wasmi)
/// cannot run. So a composition is translated with exceptions only when it
/// needs them: the first try is refused with `exceptions proposal not
/// enabled` exactly when a core module declares or imports a tag or uses
/// `exnref` in a signature, and without a tag nothing can be thrown.
fn features_without_exceptions() -> WasmFeatures {
    features() - WasmFeatures::EXCEPTIONS
}

/// Translate one component into meld's instance graph.
pub fn translate(component: &[u8]) -> Result<Graph<'_>> {
    translate_with(component, &[])
}

/// [`translate`] with `--opaque-rep` resource names.
pub fn translate_with<'a>(component: &'a [u8], opaque_reps: &[String]) -> Result<Graph<'a>> {
    translate_for(component, opaque_reps, false)
}

/// [`translate_with`]; `region_thunks` puts absolute-pointer thunks at the
/// host boundary (`--memory shared --component`, `graph::region_thunk`).
pub(crate) fn translate_for<'a>(
    component: &'a [u8],
    opaque_reps: &[String],
    region_thunks: bool,
) -> Result<Graph<'a>> {
    precheck::check_component(component)?;
    translate_prechecked(component, opaque_reps, region_thunks)
}

/// [`translate_with`] without the precheck, which the caller runs (on
/// another thread, say) and whose refusal it reports before any error of
/// this function: the precheck names the construct meld cannot fuse, where
/// the translator may only fail.
pub(crate) fn translate_prechecked<'a>(
    component: &'a [u8],
    opaque_reps: &[String],
    region_thunks: bool,
) -> Result<Graph<'a>> {
    // Concurrency support changes every adapter FACT emits (task and
    // may-block bookkeeping around each call), so only a composition that
    // uses async gets it; every other one translates exactly as before.
    let concurrent = precheck::uses_async(component)?;
    let mut tunables = Tunables::default_host();
    tunables.concurrency_support = concurrent;
    tunables.parse_wasm_debuginfo = false;

    let scope = ScopeVec::new();
    let mut with_exceptions = false;
    let (mut types, result) = loop {
        let mut wanted = if with_exceptions {
            features()
        } else {
            features_without_exceptions()
        };
        if concurrent {
            wanted |= async_features() - WasmFeatures::EXCEPTIONS;
        }
        let mut validator = Validator::new_with_features(wanted);
        let mut types = ComponentTypesBuilder::new(&validator);
        // wasmtime-environ asserts on some inputs it does not expect in this
        // configuration; the precheck rejects the ones we know of, and this
        // keeps any other from taking the process down.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Translator::new(&tunables, &mut validator, &mut types, &scope).translate(component)
        }));
        let retry = !with_exceptions
            && matches!(&result, Ok(Err(e))
                if format!("{e:#}").contains("exceptions proposal not enabled"));
        if !retry {
            break (types, result);
        }
        with_exceptions = true;
    };
    let (translation, modules) =
        match result {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => return Err(Error::Invalid(format!("{e:#}"))),
            Err(_) => return Err(Error::Unsupported(
                "the component uses a construct the translator cannot handle in synchronous mode"
                    .into(),
            )),
        };
    let defined: Vec<(u32, u32)> = translation
        .component
        .defined_resource_instances
        .iter()
        .map(|(d, i)| (translation.component.resource_index(d).as_u32(), i.as_u32()))
        .collect();
    let opaque = crate::front::resource_names::opaque_keys(component, opaque_reps, &defined)?;
    graph::build(
        component,
        &translation,
        &modules,
        &mut types,
        &opaque,
        concurrent,
        region_thunks,
    )
}
