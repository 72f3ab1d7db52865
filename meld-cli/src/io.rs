//! Where `meld` reads and writes: files, or standard input and output for
//! `-` (as wasm-tools does); outputs are written atomically, and binary is
//! never written to a terminal.

use anyhow::{Context, Result};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// A mistake in how meld was called (exit code 2), found after clap
/// parsed the arguments.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// Standard output was closed by its reader (`meld inspect x | head -1`):
/// the command ends quietly, with status 0.
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// A usage error.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Usage(msg.into()))
}

/// True for the path `-` (standard input or output).
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How a path is named in messages (`<stdin>` for `-`).
pub fn shown(path: &Path) -> String {
    if is_stdio(path) {
        "<stdin>".into()
    } else {
        path.display().to_string()
    }
}

/// One input as read: its bytes as given (what provenance hashes) and as a
/// binary (WebAssembly text assembled).
pub struct Input {
    pub raw: Vec<u8>,
    pub binary: Vec<u8>,
}

/// At most one of `paths` may be `-`: standard input can be read once.
pub fn check_one_stdin<'a>(paths: impl IntoIterator<Item = &'a PathBuf>) -> Result<()> {
    if paths.into_iter().filter(|p| is_stdio(p)).count() > 1 {
        return Err(usage("`-` (standard input) can be given only once"));
    }
    Ok(())
}

/// Read an input file (`-`: standard input); WebAssembly text is assembled.
pub fn read_input(path: &Path) -> Result<Input> {
    let raw = if is_stdio(path) {
        let mut v = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut v)
            .context("cannot read standard input")?;
        v
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    if raw.starts_with(b"\0asm") || !looks_like_text(&raw) {
        return Ok(Input {
            binary: raw.clone(),
            raw,
        });
    }
    let binary = wat::parse_bytes(&raw)
        .map(|b| b.into_owned())
        .map_err(|e| {
            anyhow::anyhow!(
                "{}: invalid WebAssembly text: {}",
                shown(path),
                e.to_string().replace('\n', " ")
            )
        })?;
    Ok(Input { raw, binary })
}

/// True when `bytes` are UTF-8 whose first non-blank character opens an
/// s-expression or a comment, as WebAssembly text does.
fn looks_like_text(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            let t = s.trim_start();
            t.starts_with('(') || t.starts_with(";;")
        }
        Err(_) => false,
    }
}

/// True when `a` and `b` name the same existing file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Refuse to send binary to standard output when it is a terminal.
pub fn refuse_binary_to_terminal(what: &str) -> Result<()> {
    if std::io::stdout().is_terminal() {
        return Err(usage(format!(
            "refusing to write {what} to a terminal; redirect standard output \
             (`> out.wasm`), name a file with -o, or print text with -t"
        )));
    }
    Ok(())
}

/// Write `bytes` to standard output. A reader that went away ends the
/// command quietly ([`StdoutClosed`]).
pub fn to_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(StdoutClosed))
        }
        Err(e) => Err(e).context("cannot write to standard output"),
    }
}

/// Write `bytes` to `path` (`-`: standard output) in one go.
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<()> {
    if is_stdio(path) {
        to_stdout(bytes)
    } else {
        write_atomically(path, bytes)
    }
}

/// Write `bytes` to `path` atomically: readers never see a partial file, and
/// a failure or an interruption leaves any previous file untouched
/// ([`crate::atomic`]).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::atomic::write(path, bytes)
}
