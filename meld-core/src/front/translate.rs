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

/// The core-wasm and component features meld accepts in its input.
///
/// Exceptions are left out on purpose: with them on, FACT wraps every adapter
/// in a `try_table`, which core-only engines such as wasmi cannot run.
pub(crate) fn features() -> WasmFeatures {
    let mut f = WasmFeatures::default();
    f.remove(WasmFeatures::EXCEPTIONS);
    f.remove(WasmFeatures::LEGACY_EXCEPTIONS);
    f.insert(WasmFeatures::COMPONENT_MODEL);
    f.insert(WasmFeatures::MULTI_MEMORY);
    f.insert(WasmFeatures::CM_FIXED_LENGTH_LISTS);
    f
}

/// Translate one component into meld's instance graph.
pub fn translate(component: &[u8]) -> Result<Graph<'_>> {
    translate_with(component, &[])
}

/// [`translate`] with `--opaque-rep` resource names.
pub fn translate_with<'a>(component: &'a [u8], opaque_reps: &[String]) -> Result<Graph<'a>> {
    precheck::check_component(component)?;
    translate_prechecked(component, opaque_reps)
}

/// [`translate_with`] without the precheck, which the caller runs (on
/// another thread, say) and whose refusal it reports before any error of
/// this function: the precheck names the construct meld cannot fuse, where
/// the translator may only fail.
pub(crate) fn translate_prechecked<'a>(
    component: &'a [u8],
    opaque_reps: &[String],
) -> Result<Graph<'a>> {
    let mut tunables = Tunables::default_host();
    tunables.concurrency_support = false;
    tunables.parse_wasm_debuginfo = false;

    let scope = ScopeVec::new();
    let mut validator = Validator::new_with_features(features());
    let mut types = ComponentTypesBuilder::new(&validator);

    // wasmtime-environ asserts on some inputs it does not expect in this
    // configuration; the precheck rejects the ones we know of, and this keeps
    // any other from taking the process down.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Translator::new(&tunables, &mut validator, &mut types, &scope).translate(component)
    }));
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
    graph::build(component, &translation, &modules, &mut types, &opaque)
}
