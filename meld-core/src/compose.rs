//! Stage 0: several component files → one composed component, linking
//! imports to exports by name.

use crate::{Error, Result};

/// Compose `inputs` into one component.
pub fn compose(_inputs: &[&[u8]]) -> Result<Vec<u8>> {
    Err(Error::Unsupported("linking several input files is not implemented yet".into()))
}
