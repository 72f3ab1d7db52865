//! Every unit of every module copy → one DWARF set, with gimli's reader and
//! writer; addresses through each copy's [`AddressMap`].

use super::addr::{AddressMap, TOMBSTONE};
use crate::{Error, Result};
use gimli::constants;
use gimli::read::{self, EndianSlice};
use gimli::write::{
    self, Address, AttributeValue, ConvertLineSequenceEnd, ConvertUnit, ConvertUnitEntry,
    EndianVec, Location, LocationList, Range, RangeList, Sections, UnitEntryId,
};
use gimli::LittleEndian;

type R<'a> = EndianSlice<'a, LittleEndian>;

/// One module copy: its name (for errors), its `.debug_*` sections and how
/// its addresses move.
pub struct Source<'a> {
    pub label: &'a str,
    pub sections: Vec<(&'a str, &'a [u8])>,
    pub map: AddressMap<'a>,
    /// The module's global indices → the fused module's (for
    /// `DW_OP_WASM_location` naming a global, e.g. the stack pointer in
    /// every frame base).
    pub globals: &'a [u32],
}

/// The merged DWARF sections (name, contents), in gimli's writing order,
/// empty ones left out.
pub fn relocate(sources: &[Source<'_>]) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let mut out = write::Dwarf::new();
    let mut sections = Sections::new(EndianVec::new(LittleEndian));
    for src in sources {
        let bad = |e: &dyn std::fmt::Display| {
            Error::Invalid(format!(
                "the DWARF debug info of {}: {e} (`--debug strip` fuses without it)",
                src.label
            ))
        };
        let dwarf = read::Dwarf::load(|id| -> std::result::Result<R<'_>, gimli::Error> {
            let data = src
                .sections
                .iter()
                .find(|(name, _)| *name == id.name())
                .map_or(&[][..], |(_, d)| *d);
            Ok(EndianSlice::new(data, LittleEndian))
        })
        .map_err(|e| bad(&e))?;
        let mut convert = out.convert(&dwarf).map_err(|e| bad(&e))?;
        while let Some((mut unit, root)) = convert.read_unit().map_err(|e| bad(&e))? {
            convert_unit(&mut unit, root, src).map_err(|e| bad(&e))?;
            unit.write(&mut sections).map_err(|e| bad(&e))?;
        }
    }
    out.write(&mut sections)
        .map_err(|e| Error::Internal(format!("writing the merged DWARF: {e}")))?;
    let mut result = Vec::new();
    sections
        .for_each_mut(|id, data| {
            let bytes = data.take();
            if !bytes.is_empty() {
                result.push((id.name(), bytes));
            }
            Ok::<_, ()>(())
        })
        .map_err(|_| Error::Internal("writing the merged DWARF".into()))?;
    Ok(result)
}

/// A conversion error: gimli's reading or writing, or ours.
#[derive(Debug)]
enum Fail {
    Convert(write::ConvertError),
    Read(read::Error),
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Convert(e) => write!(f, "{e}"),
            Fail::Read(e) => write!(f, "{e}"),
        }
    }
}

impl From<write::ConvertError> for Fail {
    fn from(e: write::ConvertError) -> Self {
        Fail::Convert(e)
    }
}

impl From<read::Error> for Fail {
    fn from(e: read::Error) -> Self {
        Fail::Read(e)
    }
}

fn convert_unit<'b, 'd>(
    unit: &mut ConvertUnit<'b, R<'d>>,
    root: ConvertUnitEntry<'b, R<'d>>,
    src: &Source<'_>,
) -> std::result::Result<(), Fail> {
    let map = &src.map;
    if let Some(mut program) = unit.read_line_program(None, None)? {
        while let Some(seq) = program.read_sequence()? {
            // Rows before any `DW_LNE_set_address` have no address.
            let Some(start) = seq.start else { continue };
            let end = match seq.end {
                ConvertLineSequenceEnd::Length(n) => start.saturating_add(n),
                ConvertLineSequenceEnd::Address(a) => a,
            };
            // One new sequence per body the rows are in (bodies stay in
            // order, but dropped ones leave gaps).
            let mut open: Option<(usize, u64)> = None;
            let mut last = 0u64;
            let close = |program: &mut write::ConvertLineProgram<'_, R<'d>>,
                         open: Option<(usize, u64)>,
                         last: u64| {
                if let Some((body, seq_start)) = open {
                    let body_end = if end <= map.old_end(body) {
                        map.map_in(body, end)
                    } else {
                        map.end_of(body)
                    };
                    let e = body_end.unwrap_or(seq_start).max(seq_start);
                    program.end_sequence((e - seq_start).max(last));
                }
            };
            for mut row in seq.rows {
                let a = start.saturating_add(row.address_offset);
                let Some(body) = map.body_of(a) else { continue };
                let Some(new) = map.map_in(body, a) else {
                    continue;
                };
                if open.map(|(b, _)| b) != Some(body) {
                    close(&mut program, open, last);
                    last = 0;
                    program.begin_sequence(Some(Address::Constant(new)));
                    open = Some((body, new));
                }
                let seq_start = open.map_or(new, |(_, s)| s);
                // Rows stay in address order (see `offsets::map`).
                row.address_offset = new.saturating_sub(seq_start).max(last);
                last = row.address_offset;
                program.generate_row(row);
            }
            close(&mut program, open, last);
        }
        let (program, files) = program.program();
        unit.set_line_program(program, files);
    }
    let root_id = unit.unit.root();
    convert_attributes(unit, root_id, &root, src)?;
    let mut entry = root;
    while let Some(id) = unit.read_entry(&mut entry)? {
        if id.is_none() {
            continue;
        }
        let id = unit.add_entry(id, &entry);
        convert_attributes(unit, id, &entry, src)?;
    }
    Ok(())
}

fn convert_attributes<'b, 'd>(
    unit: &mut ConvertUnit<'b, R<'d>>,
    id: UnitEntryId,
    entry: &ConvertUnitEntry<'b, R<'d>>,
    src: &Source<'_>,
) -> std::result::Result<(), Fail> {
    let map = &src.map;
    let ru = entry.read_unit;
    let addr_of = |name| -> std::result::Result<Option<u64>, Fail> {
        match entry.attrs.iter().find(|a| a.name() == name) {
            Some(a) => Ok(ru.attr_address(a.value())?),
            None => Ok(None),
        }
    };
    let low = addr_of(constants::DW_AT_low_pc)?;
    // `DW_AT_high_pc` is an address, or (DWARF 4+) an offset from low_pc.
    let high = match entry
        .attrs
        .iter()
        .find(|a| a.name() == constants::DW_AT_high_pc)
    {
        Some(a) => match ru.attr_address(a.value())? {
            Some(h) => Some(h),
            None => a
                .udata_value()
                .and_then(|n| low.map(|l| l.saturating_add(n))),
        },
        None => None,
    };
    let pc = match (low, high) {
        (Some(l), Some(h)) => Some(map.range(l, h)),
        _ => None,
    };
    // An address attribute is a code address: translated, or the
    // tombstone. `DW_OP_addr` in an expression is a linear-memory address,
    // which fusion does not move.
    let same = |a: u64| Some(Address::Constant(a));
    let convert_address = |a: u64| {
        Some(Address::Constant(if a == 0 {
            0
        } else {
            map.map(a).unwrap_or(TOMBSTONE)
        }))
    };
    for attr in &entry.attrs {
        let name = attr.name();
        let value = match name {
            // A GNU extension gimli does not convert (views are optional).
            constants::DW_AT_GNU_locviews => continue,
            constants::DW_AT_low_pc if pc.is_some() => match pc.flatten() {
                Some((b, _)) => AttributeValue::Address(Address::Constant(b)),
                None => AttributeValue::Address(Address::Constant(TOMBSTONE)),
            },
            constants::DW_AT_high_pc if pc.is_some() => match pc.flatten() {
                Some((b, e)) => AttributeValue::Udata(e - b),
                None => AttributeValue::Udata(0),
            },
            // A base address without an extent (a unit's: its lists are
            // written absolute) or a label.
            constants::DW_AT_low_pc => AttributeValue::Address(Address::Constant(match low {
                Some(0) | None => 0,
                Some(a) => map.map(a).unwrap_or(TOMBSTONE),
            })),
            constants::DW_AT_ranges => match ru.attr_ranges_offset(attr.value())? {
                Some(offset) => {
                    let mut pieces = Vec::new();
                    let mut iter = ru.ranges(offset)?;
                    while let Some(r) = iter.next()? {
                        map.ranges(r.begin, r.end, &mut pieces);
                    }
                    let list = std::iter::once(Range::BaseAddress {
                        address: Address::Constant(0),
                    })
                    .chain(pieces.into_iter().map(|(b, e)| Range::StartEnd {
                        begin: Address::Constant(b),
                        end: Address::Constant(e),
                    }))
                    .collect();
                    AttributeValue::RangeListRef(unit.unit.ranges.add(RangeList(list)))
                }
                None => unit.convert_attribute_value(ru, attr, &convert_address)?,
            },
            _ => match attr.value() {
                read::AttributeValue::Addr(_) | read::AttributeValue::DebugAddrIndex(_) => {
                    unit.convert_attribute_value(ru, attr, &convert_address)?
                }
                read::AttributeValue::Exprloc(e) => {
                    AttributeValue::Exprloc(expression(unit, ru, e, src.globals)?)
                }
                other => match ru.attr_locations_offset(other)? {
                    Some(offset) => {
                        let mut list = vec![Location::BaseAddress {
                            address: Address::Constant(0),
                        }];
                        let mut iter = ru.locations(offset)?;
                        let mut pieces = Vec::new();
                        while let Some(l) = iter.next()? {
                            pieces.clear();
                            map.ranges(l.range.begin, l.range.end, &mut pieces);
                            if pieces.is_empty() {
                                continue;
                            }
                            let data = expression(unit, ru, l.data, src.globals)?;
                            for (b, e) in &pieces {
                                list.push(Location::StartEnd {
                                    begin: Address::Constant(*b),
                                    end: Address::Constant(*e),
                                    data: data.clone(),
                                });
                            }
                        }
                        AttributeValue::LocationListRef(unit.unit.locations.add(LocationList(list)))
                    }
                    None => unit.convert_attribute_value(ru, attr, &same)?,
                },
            },
        };
        unit.unit.get_mut(id).set(name, value);
    }
    Ok(())
}

/// Convert a DWARF expression, with the global index of every
/// `DW_OP_WASM_location 0x01|0x03 N` mapped through `globals` (a
/// `0x01` index keeps its encoded length where it fits, so branch offsets
/// in the expression stay right).
fn expression<'b, 'd>(
    unit: &mut ConvertUnit<'b, R<'d>>,
    ru: read::UnitRef<'_, R<'d>>,
    expr: read::Expression<R<'d>>,
    globals: &[u32],
) -> std::result::Result<write::Expression, Fail> {
    let same = |a: u64| Some(Address::Constant(a));
    let bytes = expr.0.slice();
    let mut out = Vec::new();
    let mut last = 0;
    let mut ops = expr.operations(ru.encoding());
    // Operations naming other DWARF entries or tables need gimli's
    // conversion, which only takes expressions of the input.
    let mut refs = false;
    loop {
        let start = ops.offset_from(&expr);
        let Some(op) = ops.next()? else { break };
        use read::Operation as O;
        let index = match op {
            O::WasmGlobal { index } => index,
            O::Call { .. }
            | O::TypedLiteral { .. }
            | O::Convert { .. }
            | O::Reinterpret { .. }
            | O::RegisterOffset { .. }
            | O::Deref { .. }
            | O::ParameterRef { .. }
            | O::ImplicitPointer { .. }
            | O::EntryValue { .. }
            | O::AddressIndex { .. }
            | O::ConstantIndex { .. } => {
                refs = true;
                continue;
            }
            _ => continue,
        };
        let end = ops.offset_from(&expr);
        let Some(&new) = globals.get(index as usize) else {
            continue;
        };
        if new == index || end < start + 2 {
            continue;
        }
        out.extend_from_slice(&bytes[last..start]);
        let kind = bytes[start + 1];
        out.extend_from_slice(&[bytes[start], kind]);
        if kind == 0x03 {
            out.extend_from_slice(&new.to_le_bytes());
        } else {
            uleb_at_least(&mut out, new, end - start - 2);
        }
        last = end;
    }
    if last == 0 || refs {
        return Ok(unit.convert_expression(ru, expr, &same)?);
    }
    out.extend_from_slice(&bytes[last..]);
    Ok(write::Expression::raw(out))
}

/// `v` as an unsigned LEB128 of at least `len` bytes (padded with
/// continuation bytes).
fn uleb_at_least(out: &mut Vec<u8>, mut v: u32, len: usize) {
    let mut n = 0;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        n += 1;
        if v == 0 && n >= len {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    /// Malformed DWARF is an input error naming the module, not a panic.
    #[test]
    fn malformed_dwarf_is_refused_by_name() {
        let info = [0x20, 0, 0, 0, 4, 0, 0, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff];
        let abbrev = [1u8, 0x11, 1, 0x03, 0x7f];
        for sections in [
            vec![(".debug_info", &info[..])],
            vec![(".debug_info", &info[..]), (".debug_abbrev", &abbrev[..])],
            vec![(".debug_info", &[0xffu8; 64][..])],
        ] {
            let src = super::Source {
                label: "c0/m1",
                sections,
                map: super::AddressMap::new(&[], &[]),
                globals: &[],
            };
            match super::relocate(&[src]) {
                Err(crate::Error::Invalid(m)) => assert!(m.contains("c0/m1"), "{m}"),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn padded_leb128_reads_back() {
        for (v, len) in [(0u32, 1usize), (5, 3), (300, 1), (300, 4), (u32::MAX, 5)] {
            let mut b = Vec::new();
            super::uleb_at_least(&mut b, v, len);
            assert!(b.len() >= len);
            let mut r = wasmparser::BinaryReader::new(&b, 0);
            assert_eq!(r.read_var_u32().unwrap(), v);
            assert!(r.eof());
        }
    }
}
