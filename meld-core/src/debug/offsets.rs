//! Offset maps inside one function body: where each instruction of the old
//! body is in the new one.
//!
//! Merging copies most operators byte for byte and re-encodes the ones that
//! name an index, so old and new positions differ by a constant between two
//! re-encoded operators. A map is the list of points where that difference
//! changes ("breaks"); an offset maps like the last break at or before it.

use crate::{Error, Result};

/// The breaks between `old` and `new`, two encodings of the same function
/// body's contents (locals and code, no size): the operators of both are
/// walked side by side (they are the same operators, only their encodings
/// differ). Starts with `(0, 0)`, ends with the bodies' ends if they differ.
pub fn breaks(old: &[u8], new: &[u8]) -> Result<Vec<(u32, u32)>> {
    let err = |e: wasmparser::BinaryReaderError| {
        Error::Internal(format!("debug info: cannot walk a function body: {e}"))
    };
    let reader = |b| wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(b, 0));
    let (a, b) = (reader(old), reader(new));
    let mut ops_a = a.get_operators_reader().map_err(err)?;
    let mut ops_b = b.get_operators_reader().map_err(err)?;
    let mut out = vec![(0u32, 0u32)];
    let mut delta = 0i64;
    loop {
        let (pa, pb) = (ops_a.original_position(), ops_b.original_position());
        if pb as i64 - pa as i64 != delta {
            delta = pb as i64 - pa as i64;
            out.push((pa as u32, pb as u32));
        }
        match (ops_a.eof(), ops_b.eof()) {
            (true, true) => return Ok(out),
            (false, false) => {
                ops_a.read().map_err(err)?;
                ops_b.read().map_err(err)?;
            }
            _ => {
                return Err(Error::Internal(
                    "debug info: a merged body has a different number of operators".into(),
                ))
            }
        }
    }
}

/// `offset` through `breaks` (ascending by old offset, starting at 0).
/// An offset inside an operator whose encoding shrank (DWARF may name one:
/// clang's line rows sometimes point into a call's padded index) maps no
/// further than where the next operator starts, so the map stays monotone.
pub fn map(breaks: &[(u32, u32)], offset: u32) -> u32 {
    let i = breaks.partition_point(|(old, _)| *old <= offset);
    let mapped = match i.checked_sub(1).and_then(|i| breaks.get(i)) {
        Some((old, new)) => new + (offset - old),
        None => offset,
    };
    match breaks.get(i) {
        Some((_, next)) => mapped.min(*next),
        None => mapped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_longer_index_shifts_what_follows() {
        // (no locals) local.get 0; call 1; drop; end
        let old = [0x00, 0x20, 0x00, 0x10, 0x01, 0x1a, 0x0b];
        // call 200 takes two bytes
        let new = [0x00, 0x20, 0x00, 0x10, 0xc8, 0x01, 0x1a, 0x0b];
        let b = breaks(&old, &new).unwrap();
        assert_eq!(b, [(0, 0), (5, 6)]);
        assert_eq!(map(&b, 1), 1); // local.get
        assert_eq!(map(&b, 3), 3); // call
        assert_eq!(map(&b, 5), 6); // drop
        assert_eq!(map(&b, 7), 8); // the end of the body
    }

    #[test]
    fn offsets_inside_a_shrunk_operator_stay_in_order() {
        // (no locals) call 1 with a padded index; end
        let old = [0x00, 0x10, 0x81, 0x80, 0x80, 0x80, 0x00, 0x0b];
        let new = [0x00, 0x10, 0x01, 0x0b];
        let b = breaks(&old, &new).unwrap();
        let mapped: Vec<u32> = (0..=8).map(|o| map(&b, o)).collect();
        assert!(mapped.windows(2).all(|w| w[0] <= w[1]), "{mapped:?}");
        assert_eq!(map(&b, 7), 3); // `end`
        assert_eq!(map(&b, 8), 4);
    }

    #[test]
    fn different_operators_are_refused() {
        let old = [0x00, 0x01, 0x0b];
        let new = [0x00, 0x01, 0x01, 0x0b];
        assert!(breaks(&old, &new).is_err());
    }
}
