//! Bottom of the chain: exports `checksum` (Adler-32).
wit_bindgen::generate!({ path: "../wit", world: "checksum-lib" });

use exports::meld_test::fixtures::checksum::Guest;

struct Lib;

impl Guest for Lib {
    fn adler32(data: Vec<u8>) -> u32 {
        const MOD: u32 = 65521;
        let (mut a, mut b) = (1u32, 0u32);
        for byte in data {
            a = (a + byte as u32) % MOD;
            b = (b + a) % MOD;
        }
        (b << 16) | a
    }
}

export!(Lib);
