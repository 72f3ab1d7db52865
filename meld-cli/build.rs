//! Puts the commit meld is built from into `MELD_COMMIT` (for `meld
//! --version`): the first 12 hex digits of HEAD, `-dirty` appended when
//! tracked files differ from it, or `unknown` outside a git checkout (e.g. a
//! source tarball). Only git's view of the tree goes in, never a time or a
//! path, so two builds from the same commit are byte-identical.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

fn main() {
    // `MELD_COMMIT` set by the builder wins (a packager building from a
    // tarball can say which commit it is).
    println!("cargo:rerun-if-env-changed=MELD_COMMIT");
    if let Ok(given) = std::env::var("MELD_COMMIT") {
        println!("cargo:rustc-env=MELD_COMMIT={given}");
        return;
    }
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).filter(|c| !c.is_empty());
    let Some(commit) = commit else {
        println!("cargo:rustc-env=MELD_COMMIT=unknown");
        return;
    };
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    let suffix = if dirty { "-dirty" } else { "" };
    println!("cargo:rustc-env=MELD_COMMIT={commit}{suffix}");
    // Run again when HEAD moves (checkout, commit) or the sources change
    // (which may make the tree dirty or clean).
    for (flag, file) in [("--git-dir", "HEAD"), ("--git-dir", "index")] {
        if let Some(dir) = git(&["rev-parse", flag]) {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join(dir)
                .join(file);
            rerun_if_changed(&path);
        }
    }
    if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
            let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(common);
            rerun_if_changed(&base.join(&head_ref));
            rerun_if_changed(&base.join("packed-refs"));
        }
    }
    for dir in [
        "src",
        "../meld-core/src",
        "../Cargo.toml",
        "../Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={dir}");
    }
}

/// A path cargo should watch; only existing ones (cargo reruns the script
/// on every build for a path that does not exist).
fn rerun_if_changed(path: &std::path::Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
