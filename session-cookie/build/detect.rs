//! Finding the tests' outside dependencies at build time, shared by the build scripts of the
//! workspace package and of `session-cookie`. It lives in `session-cookie` because a published
//! crate's build script may not read files outside the crate; the workspace package is not
//! published and includes it from here.
//!
//! A test whose dependency is missing is compiled with `#[cfg_attr(no_…, ignore = "needs …")]`,
//! so `cargo test` reports it `ignored` with the reason instead of `ok`. Under CI (`CI` set) no
//! cfg is set: the tests run and fail on what is missing. cargo caches a build script's output, so
//! every input is declared with `rerun-if-env-changed` / `rerun-if-changed` and a change
//! re-detects; docs/design.md ("Tests that cannot run") says what is watched and why.
#![allow(dead_code)] // each build script uses only some of the detectors

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Whether this is a CI run (`CI` set): then every test runs and a missing dependency fails it.
pub fn ci() -> bool {
    println!("cargo::rerun-if-env-changed=CI");
    std::env::var_os("CI").is_some()
}

/// Declares `cfg(name)` and sets it when `condition` holds.
pub fn cfg_when(name: &str, condition: bool) {
    println!("cargo::rustc-check-cfg=cfg({name})");
    if condition {
        println!("cargo::rustc-cfg={name}");
    }
}

/// Whether the interpreter the Flask tests use (`FLASK_PYTHON`, else `.venv/bin/python` under
/// `root`) imports Flask 3.1, as `tests/flask_support` checks again at run time.
pub fn flask(root: &Path) -> bool {
    println!("cargo::rerun-if-env-changed=FLASK_PYTHON");
    let python = match std::env::var_os("FLASK_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => root.join(".venv/bin/python"),
    };
    // `-B`: importing Flask here must not write `__pycache__` files into the directory watched
    // below, or the next cargo run would see a change and rebuild the tests again.
    let script = "import sys, sysconfig\nprint(sysconfig.get_paths()['purelib'], flush=True)\n\
                  import flask\nfrom importlib.metadata import version\nprint(version('flask'))";
    let output =
        Command::new(&python).args(["-B", "-c", script]).stdin(Stdio::null()).stderr(Stdio::null()).output();
    let Ok(output) = output else {
        // No interpreter. Its directory (an existing venv's `bin/`) changes when one appears;
        // a venv that does not exist yet has nothing safe to watch (its parent is the repository,
        // target/ included), so scripts/setup-python.sh touches the build scripts instead.
        if let Some(bin) = python.parent().filter(|dir| dir.is_dir()) {
            println!("cargo::rerun-if-changed={}", bin.display());
        }
        return false;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    let purelib = lines.next().map(PathBuf::from);
    let found = output.status.success() && lines.next().is_some_and(|version| version.starts_with("3.1."));
    if let Some(purelib) = purelib.filter(|dir| dir.is_dir()) {
        // Installed: Flask's `*.dist-info` directory, which pip replaces on an upgrade or removes
        // on an uninstall (and which, unlike the package, gets no `__pycache__` when the tests
        // import Flask). Not installed: site-packages itself, which changes when it is.
        let watched = if found { dist_info(&purelib, "flask").unwrap_or(purelib) } else { purelib };
        println!("cargo::rerun-if-changed={}", watched.display());
    }
    found
}

/// Whether the interpreter of the interop tests (`FLASK_PYTHON`, else `.venv/bin/python` under
/// `root`) has `cryptography` with AES-GCM-SIV, which the encrypted format's golden vectors are
/// checked against (tests/sealed_vectors.rs). Watched as [`flask`] watches Flask.
pub fn cryptography(root: &Path) -> bool {
    println!("cargo::rerun-if-env-changed=FLASK_PYTHON");
    let python = match std::env::var_os("FLASK_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => root.join(".venv/bin/python"),
    };
    // `-B`: no `__pycache__` in the watched directory (see `flask`).
    let script = "import sys, sysconfig\nprint(sysconfig.get_paths()['purelib'], flush=True)\n\
                  from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV\n\
                  AESGCMSIV(bytes(32)).encrypt(bytes(12), b'', None)\nprint('ok')";
    let output =
        Command::new(&python).args(["-B", "-c", script]).stdin(Stdio::null()).stderr(Stdio::null()).output();
    let Ok(output) = output else {
        if let Some(bin) = python.parent().filter(|dir| dir.is_dir()) {
            println!("cargo::rerun-if-changed={}", bin.display());
        }
        return false;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    let purelib = lines.next().map(PathBuf::from);
    let found = output.status.success() && lines.next() == Some("ok");
    if let Some(purelib) = purelib.filter(|dir| dir.is_dir()) {
        let watched = if found { dist_info(&purelib, "cryptography").unwrap_or(purelib) } else { purelib };
        println!("cargo::rerun-if-changed={}", watched.display());
    }
    found
}

/// `NAME-*.dist-info` in `site_packages` (pip may write the name in either case).
fn dist_info(site_packages: &Path, name: &str) -> Option<PathBuf> {
    std::fs::read_dir(site_packages).ok()?.filter_map(Result::ok).map(|entry| entry.path()).find(|path| {
        path.file_name().and_then(|n| n.to_str()).is_some_and(|file| {
            let file = file.to_ascii_lowercase();
            file.strip_prefix(name).is_some_and(|rest| rest.starts_with('-') && rest.ends_with(".dist-info"))
        })
    })
}

/// Whether `REDIS_URL` is set. Only the variable is looked at, not whether that Redis answers:
/// cargo cannot notice a server starting or stopping, so a build that saw it down would keep the
/// tests ignored after it is up. A set but unreachable `REDIS_URL` fails the tests instead.
pub fn redis_url() -> bool {
    println!("cargo::rerun-if-env-changed=REDIS_URL");
    std::env::var_os("REDIS_URL").is_some_and(|url| !url.is_empty())
}

/// Whether `program` is an executable file in a directory of `PATH`.
pub fn on_path(program: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    // Relative entries would be resolved against wherever the test runs; they are not searched.
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).filter(|dir| dir.is_absolute()).collect();
    dirs.dedup();
    if let Some(found) = dirs.iter().map(|dir| dir.join(program)).find(|file| executable(file)) {
        // Only the file: `PATH` itself is not tracked while the program is found, so a shell
        // that orders `PATH` differently does not rebuild the tests.
        println!("cargo::rerun-if-changed={}", found.display());
        return true;
    }
    // Installing the program changes the modification time of the directory it lands in.
    println!("cargo::rerun-if-env-changed=PATH");
    for dir in dirs.iter().filter(|dir| dir.is_dir()) {
        println!("cargo::rerun-if-changed={}", dir.display());
    }
    false
}

#[cfg(unix)]
fn executable(file: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(file).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn executable(file: &Path) -> bool {
    file.is_file() || file.with_extension("exe").is_file()
}
