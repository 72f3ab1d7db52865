//! The `meld:provenance` custom section: which meld, which options and which
//! inputs produced a fused output (documented in `docs/provenance.md`).
//!
//! The section is compact JSON, appended as the very last section of the
//! output (of the component with `--component`, of the core module
//! otherwise), so an output with it is the output without it plus that one
//! section. It holds nothing that varies between runs (no paths, no times):
//! the same inputs and options give the same bytes.

use crate::{Error, FuseOptions, MemoryMode, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The custom section's name.
pub const SECTION: &str = "meld:provenance";

/// Layout version of the record.
pub const VERSION: u32 = 1;

/// The SHA-256 and size of one input, as the caller read it (for `meld`, the
/// file's bytes, before WebAssembly text is assembled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputDigest {
    /// Lower-case hex.
    pub sha256: String,
    pub size: u64,
}

impl InputDigest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        InputDigest {
            sha256: hex(&Sha256::digest(bytes)),
            size: bytes.len() as u64,
        }
    }
}

impl fmt::Display for InputDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256 {} ({} bytes)", self.sha256, self.size)
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The options of [`FuseOptions`] that change the output. (`serial` and
/// `world_beside_translation` only change how the work is scheduled.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RecordedOptions {
    /// `--memory`: `multi`, `shared` or `auto`.
    pub memory: String,
    /// `--component`.
    pub component: bool,
    /// `--opaque-rep`, sorted, without repeats (their order does not matter).
    pub opaque_rep: Vec<String>,
    /// [`FuseOptions::keep_trivial_adapters`] (library only).
    pub keep_trivial_adapters: bool,
    /// `--debug`: `keep` (the default, not written, so records made before
    /// the option existed read the same) or `strip`.
    #[serde(default = "debug_keep", skip_serializing_if = "is_debug_keep")]
    pub debug: String,
}

fn debug_keep() -> String {
    "keep".into()
}

fn is_debug_keep(s: &str) -> bool {
    s == "keep"
}

impl RecordedOptions {
    /// The output-changing options of `opts`.
    pub fn of(opts: &FuseOptions) -> Self {
        let mut opaque_rep = opts.opaque_reps.clone();
        opaque_rep.sort();
        opaque_rep.dedup();
        RecordedOptions {
            memory: match opts.memory {
                MemoryMode::Multi => "multi",
                MemoryMode::Shared => "shared",
                MemoryMode::Auto => "auto",
            }
            .into(),
            component: opts.component,
            opaque_rep,
            keep_trivial_adapters: opts.keep_trivial_adapters,
            debug: match opts.debug {
                crate::DebugInfo::Keep => debug_keep(),
                crate::DebugInfo::Strip => "strip".into(),
            },
        }
    }

    /// Each option as (name, value), in a fixed order.
    pub fn fields(&self) -> [(&'static str, String); 5] {
        [
            ("--memory", self.memory.clone()),
            ("--component", self.component.to_string()),
            (
                "--opaque-rep",
                if self.opaque_rep.is_empty() {
                    "(none)".into()
                } else {
                    self.opaque_rep.join(",")
                },
            ),
            (
                "keep_trivial_adapters",
                self.keep_trivial_adapters.to_string(),
            ),
            ("--debug", self.debug.clone()),
        ]
    }
}

/// The record the section holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// Layout version ([`VERSION`]).
    pub version: u32,
    /// The version of meld (the `meld-core` crate) that fused.
    pub meld: String,
    pub options: RecordedOptions,
    /// One entry per input, in the order given.
    pub inputs: Vec<InputDigest>,
}

/// The first way two records differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    Version {
        recorded: u32,
        now: u32,
    },
    Meld {
        recorded: String,
        now: String,
    },
    InputCount {
        recorded: usize,
        now: usize,
    },
    /// Input `index` (from 0).
    Input {
        index: usize,
        recorded: InputDigest,
        now: InputDigest,
    },
    Option {
        name: &'static str,
        recorded: String,
        now: String,
    },
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Version { recorded, now } => {
                write!(f, "record layout {recorded}, this meld writes {now}")
            }
            Difference::Meld { recorded, now } => {
                write!(f, "made by meld {recorded}, this is meld {now}")
            }
            Difference::InputCount { recorded, now } => {
                write!(f, "{recorded} input(s) recorded, {now} given")
            }
            Difference::Input {
                index,
                recorded,
                now,
            } => write!(f, "input {}: recorded {recorded}, given {now}", index + 1),
            Difference::Option {
                name,
                recorded,
                now,
            } => write!(f, "option {name}: recorded {recorded}, given {now}"),
        }
    }
}

impl Provenance {
    /// The record for fusing inputs with digests `inputs` under `opts`.
    pub fn new(opts: &FuseOptions, inputs: Vec<InputDigest>) -> Self {
        Provenance {
            version: VERSION,
            meld: env!("CARGO_PKG_VERSION").into(),
            options: RecordedOptions::of(opts),
            inputs,
        }
    }

    /// The section's contents: compact JSON, fields in declaration order.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a provenance record always serialises")
    }

    /// The first difference between `self` (recorded) and `now`, if any:
    /// layout, meld version, inputs (count, then each in order), options.
    pub fn difference(&self, now: &Provenance) -> Option<Difference> {
        if self.version != now.version {
            return Some(Difference::Version {
                recorded: self.version,
                now: now.version,
            });
        }
        if self.inputs.len() != now.inputs.len() {
            return Some(Difference::InputCount {
                recorded: self.inputs.len(),
                now: now.inputs.len(),
            });
        }
        for (index, (a, b)) in self.inputs.iter().zip(&now.inputs).enumerate() {
            if a != b {
                return Some(Difference::Input {
                    index,
                    recorded: a.clone(),
                    now: b.clone(),
                });
            }
        }
        for ((name, a), (_, b)) in self.options.fields().into_iter().zip(now.options.fields()) {
            if a != b {
                return Some(Difference::Option {
                    name,
                    recorded: a,
                    now: b,
                });
            }
        }
        if self.meld != now.meld {
            return Some(Difference::Meld {
                recorded: self.meld.clone(),
                now: now.meld.clone(),
            });
        }
        None
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  meld {}", self.meld)?;
        let options: Vec<String> = self
            .options
            .fields()
            .iter()
            .map(|(n, v)| format!("{n} {v}"))
            .collect();
        writeln!(f, "  options: {}", options.join(", "))?;
        for (i, input) in self.inputs.iter().enumerate() {
            writeln!(f, "  input {}: {input}", i + 1)?;
        }
        Ok(())
    }
}

/// The section, framed (id, size, name, contents), ready to append to a
/// module or a component.
pub fn section(record: &Provenance) -> Vec<u8> {
    let mut out = vec![0];
    wasm_encoder::Encode::encode(
        &wasm_encoder::CustomSection {
            name: SECTION.into(),
            data: record.to_bytes().into(),
        },
        &mut out,
    );
    out
}

/// The record in the top-level `meld:provenance` section of a module or
/// component, if it has one. Bytes that do not parse as far as the
/// section are an error; a malformed record is too.
pub fn read(bytes: &[u8]) -> Result<Option<Provenance>> {
    let mut found = None;
    // Nested modules and components are not looked into: the record
    // belongs to the outermost binary (`parse_all` yields their payloads
    // between their section and their `End`).
    let mut depth = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| Error::Invalid(e.to_string()))? {
            wasmparser::Payload::CustomSection(c) if depth == 0 && c.name() == SECTION => {
                let record = serde_json::from_slice(c.data())
                    .map_err(|e| Error::Invalid(format!("malformed `{SECTION}` section: {e}")))?;
                found = Some(record);
            }
            wasmparser::Payload::ModuleSection { .. }
            | wasmparser::Payload::ComponentSection { .. } => depth += 1,
            wasmparser::Payload::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Vec<u8> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/wat/string_utf8_to_utf16_len.wat"
        );
        wat::parse_file(path).unwrap()
    }

    #[test]
    fn the_section_is_appended_last_and_changes_nothing_else() {
        let input = fixture();
        for component in [false, true] {
            let bare = FuseOptions {
                component,
                ..Default::default()
            };
            let recorded = FuseOptions {
                provenance: Some(vec![InputDigest::of(b"as read")]),
                ..bare.clone()
            };
            let a = crate::fuse(&[&input], &bare).unwrap();
            let b = crate::fuse(&[&input], &recorded).unwrap();
            let c = crate::fuse(&[&input], &recorded).unwrap();
            assert_eq!(b.wasm, c.wasm, "deterministic");
            assert!(b.wasm.starts_with(&a.wasm));
            assert_eq!(b.stats.output_bytes, b.wasm.len());
            let record = read(&b.wasm).unwrap().expect("a record");
            assert_eq!(&b.wasm[a.wasm.len()..], section(&record));
            assert_eq!(record.inputs, vec![InputDigest::of(b"as read")]);
            assert_eq!(record.options.component, component);
            assert_eq!(read(&a.wasm).unwrap(), None);
        }
    }

    #[test]
    fn one_digest_per_input() {
        let input = fixture();
        let opts = FuseOptions {
            provenance: Some(vec![]),
            ..Default::default()
        };
        let e = crate::fuse(&[&input], &opts).unwrap_err();
        assert!(matches!(e, Error::BadOption(_)), "{e}");
    }

    #[test]
    fn differences_name_inputs_before_options_before_the_version() {
        let opts = FuseOptions::default();
        let a = Provenance::new(&opts, vec![InputDigest::of(b"a"), InputDigest::of(b"b")]);
        assert_eq!(a.difference(&a.clone()), None);
        let mut b = Provenance::new(
            &FuseOptions::wrapped(),
            vec![InputDigest::of(b"a"), InputDigest::of(b"c")],
        );
        b.meld = "9.9.9".into();
        assert!(matches!(
            a.difference(&b),
            Some(Difference::Input { index: 1, .. })
        ));
        b.inputs = a.inputs.clone();
        assert_eq!(
            a.difference(&b).unwrap().to_string(),
            "option --component: recorded false, given true"
        );
        b.options = a.options.clone();
        assert_eq!(
            a.difference(&b).unwrap().to_string(),
            format!(
                "made by meld {}, this is meld 9.9.9",
                env!("CARGO_PKG_VERSION")
            )
        );
        // The order of --opaque-rep does not matter.
        let x = RecordedOptions::of(&FuseOptions {
            opaque_reps: vec!["b".into(), "a".into(), "b".into()],
            ..Default::default()
        });
        assert_eq!(x.opaque_rep, vec!["a".to_string(), "b".into()]);
    }
}
