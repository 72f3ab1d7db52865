//! The fixed builtins, assembled ahead of time.
//!
//! Assembling WAT at fuse time cost a cold `meld fuse` (one fusion per
//! process) up to a fifth of its run time, so every builtin whose text does
//! not depend on the composition is shipped as the bytes `wat` makes of it,
//! in `prebuilt/`. The WAT stays the source: the test
//! `prebuilt_builtins_match_their_wat` assembles each text and fails when
//! the shipped bytes differ; `scripts/bless-builtins.sh` rewrites them.

use super::transcode::TranscodeOp;
use super::Builtin;

macro_rules! prebuilt {
    ($($file:literal),* $(,)?) => {
        /// `(file name, bytes)` of every prebuilt builtin.
        const FILES: &[(&str, &[u8])] = &[
            $(($file, include_bytes!(concat!("prebuilt/", $file)))),*
        ];
    };
}

prebuilt!(
    "flags.wasm",
    "trap.wasm",
    "resource-runtime.wasm",
    "async-runtime.wasm",
    "resource-glue.wasm",
    "dtor-wrapper.wasm",
    "transcode-utf8-to-utf8.wasm",
    "transcode-utf16-to-utf16.wasm",
    "transcode-latin1-to-latin1.wasm",
    "transcode-latin1-to-utf16.wasm",
    "transcode-latin1-to-utf8.wasm",
    "transcode-utf16-to-compact-probably-utf16.wasm",
    "transcode-utf16-to-compact-utf16.wasm",
    "transcode-utf16-to-latin1.wasm",
    "transcode-utf16-to-utf8.wasm",
    "transcode-utf8-to-compact-utf16.wasm",
    "transcode-utf8-to-latin1.wasm",
    "transcode-utf8-to-utf16.wasm",
);

/// Every builtin shipped prebuilt.
pub fn all() -> Vec<Builtin> {
    let mut v = vec![
        Builtin::Flags,
        Builtin::Trap,
        Builtin::ResRuntime,
        Builtin::AsyncRuntime,
        Builtin::ResGlue,
        Builtin::DtorWrapper,
    ];
    v.extend(TranscodeOp::ALL.iter().map(|op| Builtin::Transcode(*op)));
    v
}

/// The file under `prebuilt/` holding `builtin`, if it is a fixed one.
pub fn file_name(builtin: Builtin) -> Option<String> {
    Some(match builtin {
        Builtin::Flags => "flags.wasm".into(),
        Builtin::Trap => "trap.wasm".into(),
        Builtin::ResRuntime => "resource-runtime.wasm".into(),
        Builtin::AsyncRuntime => "async-runtime.wasm".into(),
        Builtin::ResGlue => "resource-glue.wasm".into(),
        Builtin::DtorWrapper => "dtor-wrapper.wasm".into(),
        Builtin::Transcode(op) => format!("transcode-{}.wasm", op.name()),
        _ => return None,
    })
}

/// The assembled bytes of a fixed builtin.
pub fn bytes(builtin: Builtin) -> Option<&'static [u8]> {
    let name = file_name(builtin)?;
    FILES.iter().find(|(f, _)| *f == name).map(|(_, b)| *b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Set `MELD_BLESS_BUILTINS=1` to rewrite the files instead of failing.
    #[test]
    fn prebuilt_builtins_match_their_wat() {
        let bless = std::env::var_os("MELD_BLESS_BUILTINS").is_some();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/builtins/prebuilt");
        let mut stale = Vec::new();
        for b in all() {
            let name = file_name(b).unwrap();
            let want = wat::parse_str(b.wat()).unwrap_or_else(|e| panic!("{b:?}: {e}"));
            if bless {
                std::fs::write(dir.join(&name), &want).unwrap();
            } else if bytes(b) != Some(&want[..]) {
                stale.push(name);
            }
        }
        assert_eq!(
            FILES.len(),
            all().len(),
            "a prebuilt file is listed twice or unused"
        );
        assert!(
            stale.is_empty(),
            "prebuilt builtins differ from their WAT: {stale:?}; run scripts/bless-builtins.sh"
        );
    }
}
