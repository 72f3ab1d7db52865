//! `meld verify OUTPUT INPUT... [options]`: fuse again and compare byte for
//! byte. A mismatch is explained in one line: the provenance records differ
//! (which input or option), or the first differing byte and the section it
//! lies in.

use meld_core::provenance::{self, Provenance};

/// Why `output` (the artefact) and `fresh` (fused again now) differ, or
/// `None` when they are identical. `inputs` names the inputs in order.
pub fn mismatch(output: &[u8], fresh: &[u8], inputs: &[String]) -> Option<String> {
    if output == fresh {
        return None;
    }
    // An artefact that does not parse (e.g. truncated) has no record to
    // compare: its bytes are.
    if let (Ok(recorded), Ok(now)) = (provenance::read(output), provenance::read(fresh)) {
        if let Some(reason) = provenance_reason(recorded.as_ref(), now.as_ref(), inputs) {
            return Some(format!("provenance differs: {reason}"));
        }
    }
    let at = output
        .iter()
        .zip(fresh)
        .position(|(a, b)| a != b)
        .unwrap_or(output.len().min(fresh.len()));
    // The section is the artefact's, or the fresh output's when the
    // artefact ends first.
    let section = if at < output.len() {
        locate(output, at)
    } else {
        locate(fresh, at)
    };
    Some(format!(
        "bytes differ at offset {at} (0x{at:x}) in {section} \
         (the output has {} bytes, fused again {})",
        output.len(),
        fresh.len()
    ))
}

fn provenance_reason(
    recorded: Option<&Provenance>,
    now: Option<&Provenance>,
    inputs: &[String],
) -> Option<String> {
    match (recorded, now) {
        (None, None) => None,
        (None, Some(_)) => Some(format!(
            "the output has no `{}` section (made with --no-provenance, or not by meld)",
            provenance::SECTION
        )),
        (Some(_), None) => Some(format!(
            "the output has a `{}` section, but --no-provenance was given",
            provenance::SECTION
        )),
        (Some(r), Some(n)) => r.difference(n).map(|d| match d {
            provenance::Difference::Input {
                index,
                recorded,
                now,
            } => format!(
                "input {} ({}): recorded {recorded}, given {now}",
                index + 1,
                inputs.get(index).map(String::as_str).unwrap_or("?")
            ),
            other => other.to_string(),
        }),
    }
}

/// The section of a module or component holding byte `at`, e.g. `section
/// code`, `custom section "meld:abi"`, `section code of core module 0`.
pub fn locate(bytes: &[u8], at: usize) -> String {
    walk(bytes, at).unwrap_or_else(|| "a part that does not parse".into())
}

fn walk(bytes: &[u8], at: usize) -> Option<String> {
    if at < 8 || bytes.len() < 8 {
        return Some("the header".into());
    }
    let component = bytes[6..8] == [1, 0];
    let mut pos = 8;
    let (mut modules, mut components) = (0, 0);
    while pos < bytes.len() {
        let id = bytes[pos];
        let (size, n) = leb(&bytes[pos + 1..])?;
        let body = pos + 1 + n;
        let end = body.checked_add(size as usize)?;
        if at < end {
            if at < body {
                return Some(format!(
                    "the header of {}",
                    name(component, id, &bytes[body..])
                ));
            }
            let inner = &bytes[body..end.min(bytes.len())];
            return Some(match (component, id) {
                (true, 1) => format!("{} of core module {modules}", walk(inner, at - body)?),
                (true, 4) => format!("{} of component {components}", walk(inner, at - body)?),
                _ => name(component, id, inner),
            });
        }
        if component && id == 1 {
            modules += 1;
        }
        if component && id == 4 {
            components += 1;
        }
        pos = end;
    }
    Some("no section (past the end)".into())
}

/// How a section is named: `section code`, `custom section "name"`.
fn name(component: bool, id: u8, body: &[u8]) -> String {
    if id == 0 {
        let custom = leb(body).and_then(|(len, n)| {
            body.get(n..n + len as usize)
                .and_then(|s| std::str::from_utf8(s).ok())
        });
        return match custom {
            Some(s) => format!("custom section {s:?}"),
            None => "a custom section".into(),
        };
    }
    const MODULE: [&str; 14] = [
        "custom",
        "type",
        "import",
        "function",
        "table",
        "memory",
        "global",
        "export",
        "start",
        "element",
        "code",
        "data",
        "datacount",
        "tag",
    ];
    const COMPONENT: [&str; 13] = [
        "custom",
        "core module",
        "core instance",
        "core type",
        "component",
        "instance",
        "alias",
        "type",
        "canon",
        "start",
        "import",
        "export",
        "value",
    ];
    let names: &[&str] = if component { &COMPONENT } else { &MODULE };
    match names.get(id as usize) {
        Some(n) => format!("section {n}"),
        None => format!("section id {id}"),
    }
}

/// An unsigned LEB128 u32 and its length in bytes.
fn leb(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value: u64 = 0;
    for (i, b) in bytes.iter().take(5).enumerate() {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return u32::try_from(value).ok().map(|v| (v, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_sections_of_modules_and_nested_modules() {
        let module =
            wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 7))"#).unwrap();
        assert_eq!(locate(&module, 3), "the header");
        // The last byte is the code section's `end`.
        assert_eq!(locate(&module, module.len() - 1), "section code");
        assert_eq!(locate(&module, module.len()), "no section (past the end)");
        let component = wat::parse_str(
            r#"(component (core module (func (export "f") (result i32) i32.const 7)))"#,
        )
        .unwrap();
        assert_eq!(
            locate(&component, component.len() - 1),
            "section code of core module 0"
        );
    }
}
