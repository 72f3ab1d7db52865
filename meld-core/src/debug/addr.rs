//! One module copy's code addresses → the fused module's.

use super::{offsets, BodyMove, Placement};

/// Written for an address in a body that was dropped, as linkers do
/// (`0xffffffff`: DWARF consumers skip it).
pub const TOMBSTONE: u64 = 0xffff_ffff;

/// Where one old body's contents went.
#[derive(Debug)]
struct Entry<'a> {
    old_start: u32,
    old_end: u32,
    /// `None`: the body was dropped as dead.
    to: Option<(&'a BodyMove, &'a Placement)>,
}

/// The address translation of one node (one copy of a module).
#[derive(Debug)]
pub struct AddressMap<'a> {
    /// Ascending by `old_start` (code-section order).
    entries: Vec<Entry<'a>>,
}

impl<'a> AddressMap<'a> {
    /// `placements` by merged body index (`None`: dropped).
    pub fn new(bodies: &'a [BodyMove], placements: &'a [Option<Placement>]) -> Self {
        let entries = bodies
            .iter()
            .map(|b| Entry {
                old_start: b.old.start,
                old_end: b.old.end,
                to: placements
                    .get(b.body as usize)
                    .and_then(|p| p.as_ref())
                    .map(|p| (b, p)),
            })
            .collect();
        AddressMap { entries }
    }

    /// The body holding old address `a` (a body's end counts as in it), by
    /// its position in code-section order.
    pub fn body_of(&self, a: u64) -> Option<usize> {
        let a = u32::try_from(a).ok()?;
        let i = self.entries.partition_point(|e| e.old_start <= a);
        let i = i.checked_sub(1)?;
        (a <= self.entries[i].old_end).then_some(i)
    }

    /// The new address of old address `a`; `None` if it is in no body or in
    /// a dropped one.
    pub fn map(&self, a: u64) -> Option<u64> {
        let i = self.body_of(a)?;
        self.map_in(i, a)
    }

    /// [`AddressMap::map`] for an address known to be in body `i`.
    pub fn map_in(&self, i: usize, a: u64) -> Option<u64> {
        let e = &self.entries[i];
        let (moved, placed) = e.to?;
        let off = (a as u32)
            .checked_sub(e.old_start)?
            .min(e.old_end - e.old_start);
        let merged = offsets::map(&moved.breaks, off);
        let fin = offsets::map(&placed.shifts, merged).min(placed.len);
        Some(u64::from(placed.start) + u64::from(fin))
    }

    /// The new end of body `i` (its contents' end), if it was kept.
    pub fn end_of(&self, i: usize) -> Option<u64> {
        let (_, p) = self.entries[i].to?;
        Some(u64::from(p.start) + u64::from(p.len))
    }

    /// The old end of body `i`.
    pub fn old_end(&self, i: usize) -> u64 {
        u64::from(self.entries[i].old_end)
    }

    /// Translate an address range `[begin, end)`: clipped to the body its
    /// start is in; `None` when dropped or empty.
    pub fn range(&self, begin: u64, end: u64) -> Option<(u64, u64)> {
        let i = self.body_of(begin)?;
        let b = self.map_in(i, begin)?;
        let e = if end <= self.old_end(i) {
            self.map_in(i, end)?
        } else {
            self.end_of(i)?
        };
        (e > b).then_some((b, e))
    }

    /// Translate `[begin, end)` that may span several bodies (a unit's
    /// ranges): one new range per kept body it covers.
    pub fn ranges(&self, begin: u64, end: u64, out: &mut Vec<(u64, u64)>) {
        if end <= begin {
            return;
        }
        let first = self
            .entries
            .partition_point(|e| u64::from(e.old_end) < begin);
        for (i, e) in self.entries.iter().enumerate().skip(first) {
            if u64::from(e.old_start) >= end {
                break;
            }
            let b = begin.max(u64::from(e.old_start));
            let en = end.min(u64::from(e.old_end));
            if let (Some(nb), Some(ne)) = (self.map_in(i, b), self.map_in(i, en)) {
                if ne > nb {
                    out.push((nb, ne));
                }
            }
        }
    }
}
