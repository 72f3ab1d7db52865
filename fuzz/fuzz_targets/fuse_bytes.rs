//! Arbitrary bytes: meld must never panic, and whatever it accepts must
//! produce a module that validates.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = meld_core::fuse(&[data], &Default::default()) {
        meld_core::encode::validate(&f.wasm).expect("accepted input gives a valid module");
    }
});
