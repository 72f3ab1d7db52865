//! The fused module's function bodies as [`crate::merge`] produces them: one
//! buffer, plus the byte position of every function index a body names
//! (`call`, `return_call`, `ref.func`).
//!
//! Dead-function removal ([`crate::encode::dce`]) needs those indices twice: as call
//! edges, to find what is live, and to renumber them once the dead functions
//! are gone. Recording where they are while merging lets the final code
//! section be written in one pass, copying bytes and re-encoding only those
//! indices, instead of decoding every body again.

use crate::{Error, Result};
use wasm_encoder::Encode;

/// A function index inside a body: the offset of its LEB128 in
/// [`Bodies::bytes`] and the index it holds.
#[derive(Debug, Clone, Copy)]
struct Site {
    at: u32,
    callee: u32,
}

/// Function bodies (locals and code, no size prefix) in code-section order.
#[derive(Debug, Default)]
pub struct Bodies {
    bytes: Vec<u8>,
    /// Per body: its end in `bytes` and the end of its sites in `sites`
    /// (each body starts where the previous one ends).
    ends: Vec<(u32, u32)>,
    sites: Vec<Site>,
}

impl Bodies {
    /// An empty set with room for about `bytes` bytes of code.
    pub fn with_capacity(bytes: usize) -> Self {
        Bodies {
            bytes: Vec::with_capacity(bytes),
            ..Default::default()
        }
    }

    /// Number of bodies.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn bounds(&self, i: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let (bytes_end, sites_end) = self.ends[i];
        let (bytes_start, sites_start) = if i == 0 { (0, 0) } else { self.ends[i - 1] };
        (
            bytes_start as usize..bytes_end as usize,
            sites_start as usize..sites_end as usize,
        )
    }

    /// The functions body `i` names, in order.
    pub fn callees(&self, i: usize) -> impl Iterator<Item = u32> + '_ {
        self.sites[self.bounds(i).1].iter().map(|s| s.callee)
    }

    /// The buffer the body being written goes into (closed by
    /// [`Bodies::end_body`]).
    pub(crate) fn sink(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Record that the LEB128 at `at` in [`Bodies::sink`] is function index
    /// `callee`.
    pub(crate) fn site(&mut self, at: usize, callee: u32) {
        self.sites.push(Site {
            at: at as u32,
            callee,
        });
    }

    /// Close the body written into [`Bodies::sink`] since the last one.
    pub(crate) fn end_body(&mut self) -> Result<()> {
        let end = u32::try_from(self.bytes.len())
            .map_err(|_| Error::Unsupported("more than 4 GiB of code".into()))?;
        self.ends.push((end, self.sites.len() as u32));
        Ok(())
    }

    /// Append every body of `other` after these.
    pub fn append(&mut self, other: Bodies) -> Result<()> {
        let too_big = || Error::Unsupported("more than 4 GiB of code".into());
        let base = u32::try_from(self.bytes.len()).map_err(|_| too_big())?;
        u32::try_from(self.bytes.len() + other.bytes.len()).map_err(|_| too_big())?;
        let site_base = self.sites.len() as u32;
        self.bytes.extend_from_slice(&other.bytes);
        self.sites.extend(other.sites.iter().map(|s| Site {
            at: s.at + base,
            callee: s.callee,
        }));
        self.ends
            .extend(other.ends.iter().map(|(b, s)| (b + base, s + site_base)));
        Ok(())
    }

    /// Append a whole body (locals and code), finding its function indices
    /// by decoding it. For the few bodies not written through
    /// [`Bodies::sink`] (adapters with bulk copies, generated functions).
    pub fn push_decoded(&mut self, body: &[u8]) -> Result<()> {
        let base = self.bytes.len();
        self.bytes.extend_from_slice(body);
        let err = |e: wasmparser::BinaryReaderError| {
            Error::Internal(format!("cannot decode a merged function body: {e}"))
        };
        let parsed = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(body, 0));
        let mut ops = parsed.get_operators_reader().map_err(err)?;
        while !ops.eof() {
            let at = ops.original_position();
            match ops.read().map_err(err)? {
                wasmparser::Operator::Call { function_index: f }
                | wasmparser::Operator::ReturnCall { function_index: f }
                | wasmparser::Operator::RefFunc { function_index: f } => {
                    // One opcode byte, then the index.
                    self.site(base + at + 1, f);
                }
                _ => {}
            }
        }
        self.end_body()
    }

    /// The code section (id, size and contents) holding the bodies of the
    /// functions `map` keeps, with every function index renumbered by `map`
    /// (old index → new index, `None` = removed; body `i` is function
    /// `imported + i`). An index `map` does not keep is written as
    /// `u32::MAX`, which validation rejects.
    pub fn write_section(&self, out: &mut Vec<u8>, imported: u32, map: &[Option<u32>]) {
        let new = |f: u32| map.get(f as usize).copied().flatten().unwrap_or(u32::MAX);
        let (count, size) = self.section_size(imported, &new);
        out.reserve_exact(1 + leb_len(size as u32) + size);
        out.push(wasm_encoder::SectionId::Code as u8);
        (size as u32).encode(out);
        count.encode(out);
        for i in (0..self.len()).filter(|i| new(imported + *i as u32) != u32::MAX) {
            (self.new_len(i, &new) as u32).encode(out);
            let (bytes, sites) = self.bounds(i);
            let mut last = bytes.start;
            for s in &self.sites[sites] {
                let at = s.at as usize;
                out.extend_from_slice(&self.bytes[last..at]);
                new(s.callee).encode(out);
                last = at + leb_at(&self.bytes, at);
            }
            out.extend_from_slice(&self.bytes[last..bytes.end]);
        }
    }

    /// The contents (locals and code) of body `i` as merged.
    pub fn body(&self, i: usize) -> &[u8] {
        &self.bytes[self.bounds(i).0]
    }

    /// Where [`Bodies::write_section`] puts each body (same `imported` and
    /// `map`), by body index: `None` for a body not kept, else its
    /// contents' start (from the start of the section's contents, where the
    /// body count is), its length and the (merged offset, written offset)
    /// breaks its renumbered function indices make. Only the bodies `want`
    /// says are given breaks.
    pub fn placements(
        &self,
        imported: u32,
        map: &[Option<u32>],
        want: impl Fn(usize) -> bool,
    ) -> Vec<Option<crate::debug::Placement>> {
        let new = |f: u32| map.get(f as usize).copied().flatten().unwrap_or(u32::MAX);
        let (count, _) = self.section_size(imported, &new);
        let mut at = leb_len(count);
        let mut out = Vec::with_capacity(self.len());
        for i in 0..self.len() {
            if new(imported + i as u32) == u32::MAX {
                out.push(None);
                continue;
            }
            let len = self.new_len(i, &new);
            at += leb_len(len as u32);
            let mut shifts = Vec::new();
            if want(i) {
                let (bytes, sites) = self.bounds(i);
                let mut delta = 0i64;
                for s in &self.sites[sites] {
                    let at = s.at as usize;
                    let old = leb_at(&self.bytes, at);
                    let grow = leb_len(new(s.callee)) as i64 - old as i64;
                    if grow != 0 {
                        delta += grow;
                        let after = (at + old - bytes.start) as i64;
                        shifts.push((after as u32, (after + delta) as u32));
                    }
                }
            }
            out.push(Some(crate::debug::Placement {
                start: at as u32,
                len: len as u32,
                shifts,
            }));
            at += len;
        }
        out
    }

    /// Bytes [`Bodies::write_section`] writes.
    pub fn section_len(&self, imported: u32, map: &[Option<u32>]) -> usize {
        let new = |f: u32| map.get(f as usize).copied().flatten().unwrap_or(u32::MAX);
        let (_, size) = self.section_size(imported, &new);
        1 + leb_len(size as u32) + size
    }

    /// Number of bodies kept and the size of the section's contents.
    fn section_size(&self, imported: u32, new: &impl Fn(u32) -> u32) -> (u32, usize) {
        let mut count = 0u32;
        let mut contents = 0usize;
        for i in (0..self.len()).filter(|i| new(imported + *i as u32) != u32::MAX) {
            let len = self.new_len(i, new);
            count += 1;
            contents += leb_len(len as u32) + len;
        }
        (count, leb_len(count) + contents)
    }

    /// Length of body `i` once its function indices are renumbered.
    fn new_len(&self, i: usize, new: &impl Fn(u32) -> u32) -> usize {
        let (bytes, sites) = self.bounds(i);
        let mut len = bytes.len();
        for s in &self.sites[sites] {
            len = len + leb_len(new(s.callee)) - leb_at(&self.bytes, s.at as usize);
        }
        len
    }
}

/// Bytes of the unsigned LEB128 encoding of `v`.
fn leb_len(v: u32) -> usize {
    match v {
        0..=0x7f => 1,
        0x80..=0x3fff => 2,
        0x4000..=0x1f_ffff => 3,
        0x20_0000..=0xfff_ffff => 4,
        _ => 5,
    }
}

/// Bytes of the LEB128 starting at `bytes[at]`.
fn leb_at(bytes: &[u8], at: usize) -> usize {
    bytes[at..]
        .iter()
        .position(|b| b & 0x80 == 0)
        .map_or(1, |p| p + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb_lengths_match_the_encoder() {
        for v in [
            0u32,
            1,
            0x7f,
            0x80,
            0x3fff,
            0x4000,
            0x1f_ffff,
            0x20_0000,
            u32::MAX,
        ] {
            let mut b = Vec::new();
            v.encode(&mut b);
            assert_eq!(leb_len(v), b.len(), "{v}");
            assert_eq!(leb_at(&b, 0), b.len(), "{v}");
        }
    }

    /// Renumbering changes LEB lengths; the section must stay well formed
    /// and name the new indices.
    #[test]
    fn renumbered_section_parses_and_names_new_indices() {
        let mut b = Bodies::default();
        // body 0: call 200 (two-byte index); body 1: dropped; body 2: call 0
        let mut f = wasm_encoder::Function::new([]);
        f.instruction(&wasm_encoder::Instruction::Call(200));
        f.instruction(&wasm_encoder::Instruction::End);
        b.push_decoded(&f.clone().into_raw_body()).unwrap();
        b.push_decoded(&f.into_raw_body()).unwrap();
        let mut g = wasm_encoder::Function::new([(1, wasm_encoder::ValType::I32)]);
        g.instruction(&wasm_encoder::Instruction::RefFunc(0));
        g.instruction(&wasm_encoder::Instruction::Drop);
        g.instruction(&wasm_encoder::Instruction::End);
        b.push_decoded(&g.into_raw_body()).unwrap();
        assert_eq!(b.callees(0).collect::<Vec<_>>(), [200]);
        assert_eq!(b.callees(2).collect::<Vec<_>>(), [0]);
        // one import; functions 1..=3 are the bodies; 200 becomes 3.
        let mut map = vec![None; 201];
        map[0] = Some(0);
        map[1] = Some(1);
        map[3] = Some(2);
        map[200] = Some(3);
        let mut out = Vec::new();
        b.write_section(&mut out, 1, &map);
        assert_eq!(out.len(), b.section_len(1, &map));
        assert_eq!(out[0], 10);
        let reader = wasmparser::CodeSectionReader::new(wasmparser::BinaryReader::new(
            &out[1 + leb_at(&out, 1)..],
            0,
        ))
        .unwrap();
        let mut named = Vec::new();
        for body in reader {
            let mut ops = body.unwrap().get_operators_reader().unwrap();
            while !ops.eof() {
                match ops.read().unwrap() {
                    wasmparser::Operator::Call { function_index: f }
                    | wasmparser::Operator::RefFunc { function_index: f } => named.push(f),
                    _ => {}
                }
            }
        }
        assert_eq!(named, [3, 0]);
    }

    /// `placements` says where `write_section` put each body, and the
    /// shifts of its renumbered calls.
    #[test]
    fn placements_match_the_written_section() {
        let mut b = Bodies::default();
        let mut f = wasm_encoder::Function::new([]);
        f.instruction(&wasm_encoder::Instruction::Call(1));
        f.instruction(&wasm_encoder::Instruction::Nop);
        f.instruction(&wasm_encoder::Instruction::End);
        for _ in 0..3 {
            b.push_decoded(&f.clone().into_raw_body()).unwrap();
        }
        // body 2 dropped; function 1 becomes 300 (two LEB bytes)
        let mut map: Vec<Option<u32>> = vec![Some(0), Some(300), None, Some(2)];
        map.resize(4, None);
        let placed = b.placements(0, &map, |_| true);
        assert!(placed[2].is_none());
        let mut out = Vec::new();
        b.write_section(&mut out, 0, &map);
        let contents = &out[1 + leb_at(&out, 1)..];
        let reader =
            wasmparser::CodeSectionReader::new(wasmparser::BinaryReader::new(contents, 0)).unwrap();
        let written: Vec<_> = reader.into_iter().map(|b| b.unwrap().range()).collect();
        let kept: Vec<_> = placed.iter().flatten().collect();
        assert_eq!(written.len(), kept.len());
        for (w, p) in written.iter().zip(kept) {
            assert_eq!((w.start as u32, w.len() as u32), (p.start, p.len));
            // `nop` was at 3 (after the one-byte index), is at 4 now
            assert_eq!(crate::debug::offsets::map(&p.shifts, 3), 4);
        }
    }
}
