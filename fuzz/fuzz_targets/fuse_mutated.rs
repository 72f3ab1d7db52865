//! Mutations of valid compositions (corpus seeded with the WAT fixtures by
//! scripts/fuzz.sh), fused plain and wrapped. Text inputs are assembled
//! first, so mutations act on both the text and the binary form.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = if data.starts_with(b"\0asm") {
        data.to_vec()
    } else {
        match wat::parse_bytes(data) {
            Ok(b) => b.into_owned(),
            Err(_) => return,
        }
    };
    for component in [false, true] {
        let opts = meld_core::FuseOptions {
            component,
            ..Default::default()
        };
        if let Ok(f) = meld_core::fuse(&[&bytes], &opts) {
            if !component {
                meld_core::encode::validate(&f.wasm).expect("valid module");
            }
        }
    }
});
