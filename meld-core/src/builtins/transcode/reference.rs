//! Reference model for the differential tests: a pure-Rust port of the
//! transcoding libcalls of wasmtime 48
//! (`wasmtime/src/runtime/vm/component/libcalls.rs`), operating on memory
//! images. Includes the encoding_rs behaviour those libcalls depend on.

use super::TranscodeOp;
use std::cell::Cell;

/// What a transcode did: returned values, trapped before touching the
/// destination (bounds / alignment / argument checks), or trapped later
/// (invalid input, or where wasmtime's libcall panics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    Ok(Vec<u32>),
    PreTrap,
    Trap,
}

fn span(mem: &[u8], ptr: u32, bytes: u64) -> Option<std::ops::Range<usize>> {
    let end = u64::from(ptr) + bytes;
    (end <= mem.len() as u64).then_some(ptr as usize..end as usize)
}

fn units(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect()
}

fn put_units(bytes: &mut [u8], units: &[u16]) {
    for (i, u) in units.iter().enumerate() {
        bytes[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
    }
}

/// `run_utf16_to_utf16`: `None` on invalid UTF-16, or (where wasmtime
/// panics) when the destination is too short. Writes progressively.
fn utf16_to_utf16_ref(src: &[u16], dst: &mut [u16]) -> Option<bool> {
    let mut all_latin1 = true;
    let mut at = 0;
    for ch in char::decode_utf16(src.iter().copied()) {
        let ch = ch.ok()?;
        all_latin1 &= u32::from(ch) < 256;
        let mut buf = [0u16; 2];
        let enc = ch.encode_utf16(&mut buf);
        if dst.len() - at < enc.len() {
            return None;
        }
        dst[at..at + enc.len()].copy_from_slice(enc);
        at += enc.len();
    }
    Some(all_latin1)
}

/// `run_utf8_to_utf16`: validate everything, then zip the UTF-16 output
/// with the destination (silently truncating).
fn utf8_to_utf16_ref(src: &[u8], dst: &mut [u16]) -> Option<usize> {
    let s = std::str::from_utf8(src).ok()?;
    let mut n = 0;
    for (u, d) in s.encode_utf16().zip(dst.iter_mut()) {
        *d = u;
        n += 1;
    }
    Some(n)
}

fn utf16_to_utf8_ref(src: &[u16], dst: &mut [u8], first_pass: bool) -> Option<(usize, usize)> {
    let pulled = Cell::new(0usize);
    let iter = src.iter().map(|u| {
        pulled.set(pulled.get() + 1);
        *u
    });
    let (mut read, mut written) = (0, 0);
    for ch in char::decode_utf16(iter) {
        let ch = ch.ok()?;
        if first_pass && u32::from(ch) >= 0x80 {
            break;
        }
        if dst.len() - written < ch.len_utf8() {
            break;
        }
        read = pulled.get();
        written += ch.encode_utf8(&mut dst[written..]).len();
    }
    Some((read, written))
}

/// The algorithm of encoding_rs `convert_latin1_to_utf8_partial`: ASCII
/// runs go into the destination minus its last byte, a non-ASCII byte needs
/// two free bytes, and finally one more ASCII byte may take the last slot.
fn latin1_to_utf8_partial_ref(src: &[u8], dst: &mut [u8]) -> (usize, usize) {
    let cap = dst.len().saturating_sub(1);
    let (mut r, mut w) = (0, 0);
    while w < cap {
        let run = (src.len() - r).min(cap - w);
        match src[r..r + run].iter().position(|&b| b >= 0x80) {
            Some(k) => {
                dst[w..w + k].copy_from_slice(&src[r..r + k]);
                r += k;
                w += k;
                if w + 2 > dst.len() {
                    return (r, w);
                }
                let b = src[r];
                dst[w] = 0xC0 | (b >> 6);
                dst[w + 1] = 0x80 | (b & 0x3F);
                r += 1;
                w += 2;
            }
            None => {
                dst[w..w + run].copy_from_slice(&src[r..r + run]);
                r += run;
                w += run;
                break;
            }
        }
    }
    if r < src.len() && w < dst.len() && src[r] < 0x80 {
        dst[w] = src[r];
        r += 1;
        w += 1;
    }
    (r, w)
}

/// encoding_rs `utf8_latin1_up_to`: the longest prefix that is valid UTF-8
/// made only of code points below 256.
fn utf8_latin1_up_to_ref(src: &[u8]) -> usize {
    let valid = match std::str::from_utf8(src) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&src[..e.valid_up_to()]).unwrap(),
    };
    valid
        .char_indices()
        .find(|(_, c)| u32::from(*c) >= 256)
        .map_or(valid.len(), |(i, _)| i)
}

/// `inflate_latin1_bytes` on the byte view of the destination.
fn inflate_ref(dst: &mut [u8], n: usize) {
    for i in (0..n).rev() {
        dst[2 * i] = dst[i];
        dst[2 * i + 1] = 0;
    }
}

pub(super) fn reference(op: TranscodeOp, from: &[u8], to: &mut [u8], a: &[u32]) -> Outcome {
    use TranscodeOp::*;
    macro_rules! pre {
        ($e:expr) => {
            match $e {
                Some(v) => v,
                None => return Outcome::PreTrap,
            }
        };
    }
    macro_rules! valid {
        ($e:expr) => {
            match $e {
                Some(v) => v,
                None => return Outcome::Trap,
            }
        };
    }
    let aligned = |p: u32| p.is_multiple_of(2).then_some(());
    let (l1, l2) = (
        u64::from(a[1]),
        if a.len() > 3 { u64::from(a[3]) } else { 0 },
    );
    let ret = match op {
        CopyUtf8 | CopyLatin1 => {
            let s = pre!(span(from, a[0], l1));
            let d = pre!(span(to, a[2], l1));
            if op == CopyUtf8 {
                valid!(std::str::from_utf8(&from[s.clone()]).ok());
            }
            to[d].copy_from_slice(&from[s]);
            vec![]
        }
        CopyUtf16 => {
            pre!(aligned(a[0]).and(aligned(a[2])));
            let s = pre!(span(from, a[0], 2 * l1));
            let d = pre!(span(to, a[2], 2 * l1));
            let mut out = units(&to[d.clone()]);
            let r = utf16_to_utf16_ref(&units(&from[s]), &mut out);
            put_units(&mut to[d], &out);
            valid!(r);
            vec![]
        }
        Latin1ToUtf16 => {
            pre!(aligned(a[2]));
            let s = pre!(span(from, a[0], l1));
            let d = pre!(span(to, a[2], 2 * l1));
            let out: Vec<u16> = from[s].iter().map(|&b| u16::from(b)).collect();
            put_units(&mut to[d], &out);
            vec![]
        }
        Utf8ToUtf16 => {
            pre!(aligned(a[2]));
            let s = pre!(span(from, a[0], l1));
            let d = pre!(span(to, a[2], 2 * l1));
            let mut out = units(&to[d.clone()]);
            let n = valid!(utf8_to_utf16_ref(&from[s], &mut out));
            put_units(&mut to[d], &out);
            vec![n as u32]
        }
        Utf16ToUtf8 => {
            pre!(aligned(a[0]));
            let s = pre!(span(from, a[0], 2 * l1));
            let d = pre!(span(to, a[2], l2));
            let (r, w) = valid!(utf16_to_utf8_ref(&units(&from[s]), &mut to[d], a[4] != 0));
            vec![r as u32, w as u32]
        }
        Latin1ToUtf8 => {
            let s = pre!(span(from, a[0], l1));
            let d = pre!(span(to, a[2], l2));
            let src = &from[s];
            let stop = if a[4] != 0 {
                src.iter().position(|&b| b >= 0x80).unwrap_or(src.len())
            } else {
                src.len()
            };
            let (r, w) = latin1_to_utf8_partial_ref(&src[..stop], &mut to[d]);
            vec![r as u32, w as u32]
        }
        Utf16ToCompactProbablyUtf16 => {
            pre!(aligned(a[0]).and(aligned(a[2])));
            let s = pre!(span(from, a[0], 2 * l1));
            let d = pre!(span(to, a[2], 2 * l1));
            let mut out = units(&to[d.clone()]);
            let r = utf16_to_utf16_ref(&units(&from[s]), &mut out);
            put_units(&mut to[d.clone()], &out);
            let dst = &mut to[d];
            if valid!(r) {
                for i in 0..a[1] as usize {
                    dst[i] = dst[2 * i];
                }
                vec![a[1]]
            } else {
                vec![a[1] | 1 << 31]
            }
        }
        Utf8ToLatin1 => {
            let s = pre!(span(from, a[0], l1));
            let d = pre!(span(to, a[2], l1));
            let src = &from[s];
            let read = utf8_latin1_up_to_ref(src);
            let prefix = std::str::from_utf8(&src[..read]).unwrap();
            let mut w = 0;
            for c in prefix.chars() {
                to[d.start + w] = u32::from(c) as u8;
                w += 1;
            }
            vec![read as u32, w as u32]
        }
        Utf16ToLatin1 => {
            pre!(aligned(a[0]));
            let s = pre!(span(from, a[0], 2 * l1));
            let d = pre!(span(to, a[2], l1));
            let src = units(&from[s]);
            let n = src.iter().take_while(|&&u| u < 256).count();
            for (i, u) in src[..n].iter().enumerate() {
                to[d.start + i] = *u as u8;
            }
            vec![n as u32, n as u32]
        }
        Utf8ToCompactUtf16 | Utf16ToCompactUtf16 => {
            let wide_src = op == Utf16ToCompactUtf16;
            if wide_src {
                pre!(aligned(a[0]));
            }
            pre!(aligned(a[2]));
            let s = pre!(span(from, a[0], if wide_src { 2 * l1 } else { l1 }));
            let d = pre!(span(to, a[2], 2 * l2));
            let latin1 = a[4] as usize;
            pre!((latin1 <= a[3] as usize).then_some(()));
            inflate_ref(&mut to[d.clone()], latin1);
            let rest = d.start + 2 * latin1..d.end;
            let mut out = units(&to[rest.clone()]);
            let r = if wide_src {
                utf16_to_utf16_ref(&units(&from[s]), &mut out).map(|_| a[1] as usize)
            } else {
                utf8_to_utf16_ref(&from[s], &mut out)
            };
            put_units(&mut to[rest], &out);
            vec![(valid!(r) + latin1) as u32]
        }
    };
    Outcome::Ok(ret)
}
