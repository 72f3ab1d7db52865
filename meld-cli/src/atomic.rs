//! Writing an output file so that readers never see a partial one and an
//! interrupted run leaves the previous file and nothing else.
//!
//! The bytes go to a file beside the output that has no name yet (Linux
//! `O_TMPFILE`): a run killed while writing them, even by `SIGKILL`, leaves
//! nothing behind. Once written and synced, the file is given a temporary
//! name and renamed over the output. `SIGINT`, `SIGTERM` and `SIGHUP` in
//! between remove the temporary name before the process dies; only a
//! `SIGKILL` landing between the two system calls that name and rename it
//! could leave a `.NAME.meld-tmp-PID` file. Where `O_TMPFILE` is not
//! available, the bytes are written under the temporary name directly
//! (still removed on those signals).
//!
//! Test hook: `MELD_TEST_PAUSE_AT=write:MARKER` (the bytes are written,
//! the file has no name) or `rename:MARKER` (the temporary name exists,
//! just before the rename) makes the run create the file `MARKER` and
//! sleep there, so a test can kill it at a known point.

use anyhow::{Context, Result};
use std::ffi::CString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicPtr, Ordering};

/// The temporary name to remove if a signal ends the run (a leaked
/// `CString`, or null).
static TEMP_NAME: AtomicPtr<libc::c_char> = AtomicPtr::new(std::ptr::null_mut());

extern "C" fn on_signal(sig: libc::c_int) {
    let name = TEMP_NAME.swap(std::ptr::null_mut(), Ordering::SeqCst);
    // SAFETY: `unlink`, `signal` and `raise` are async-signal-safe; `name`
    // is a NUL-terminated string that is never freed while registered.
    unsafe {
        if !name.is_null() {
            libc::unlink(name);
        }
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Remove the temporary name (if any) when the run is interrupted.
pub fn install_signal_cleanup() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only calls async-signal-safe functions.
        unsafe {
            libc::signal(
                sig,
                on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
        }
    }
}

/// Registers a temporary name for the signal handler while alive.
struct Registered;

impl Registered {
    fn new(path: &Path) -> Option<Registered> {
        use std::os::unix::ffi::OsStrExt;
        let c = CString::new(path.as_os_str().as_bytes()).ok()?;
        let old = TEMP_NAME.swap(c.into_raw(), Ordering::SeqCst);
        free(old);
        Some(Registered)
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        free(TEMP_NAME.swap(std::ptr::null_mut(), Ordering::SeqCst));
    }
}

fn free(p: *mut libc::c_char) {
    if !p.is_null() {
        // SAFETY: every registered pointer comes from `CString::into_raw`
        // and is taken out of the static exactly once.
        drop(unsafe { CString::from_raw(p) });
    }
}

fn pause_at(point: &str) {
    let Ok(spec) = std::env::var("MELD_TEST_PAUSE_AT") else {
        return;
    };
    if let Some(marker) = spec.strip_prefix(point).and_then(|s| s.strip_prefix(':')) {
        let _ = std::fs::write(marker, point);
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
}

/// Write `bytes` to `path` atomically (see the module documentation).
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("output path {} has no file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.meld-tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> Result<()> {
        let _registered = Registered::new(&tmp);
        match unnamed(&dir, bytes)? {
            Some(file) => {
                pause_at("write");
                link(&file, &tmp)?;
            }
            None => {
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(bytes)?;
                f.sync_all()?;
            }
        }
        pause_at("rename");
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// `bytes` in a new file without a name in `dir`, or `None` where the file
/// system cannot make one.
#[cfg(target_os = "linux")]
fn unnamed(dir: &Path, bytes: &[u8]) -> Result<Option<std::fs::File>> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::FromRawFd;
    let c = CString::new(dir.as_os_str().as_bytes())?;
    // SAFETY: `c` is NUL-terminated; the descriptor is owned by the `File`.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_TMPFILE | libc::O_WRONLY | libc::O_CLOEXEC,
            0o666,
        )
    };
    if fd < 0 {
        let e = std::io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL | libc::ENOENT) => Ok(None),
            _ => Err(e.into()),
        };
    }
    // SAFETY: `fd` is a fresh descriptor nothing else owns.
    let mut f = unsafe { std::fs::File::from_raw_fd(fd) };
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(Some(f))
}

#[cfg(not(target_os = "linux"))]
fn unnamed(_dir: &Path, _bytes: &[u8]) -> Result<Option<std::fs::File>> {
    Ok(None)
}

/// Give the unnamed `file` the name `to`.
#[cfg(target_os = "linux")]
fn link(file: &std::fs::File, to: &Path) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::AsRawFd;
    let from = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    let to_c = CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both paths are NUL-terminated.
    let r = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to_c.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn link(_file: &std::fs::File, _to: &Path) -> Result<()> {
    unreachable!("no unnamed files outside Linux")
}
