//! Compile-fail tests of `#[derive(Session)]`, one rule per file, each with the `.stderr` rustc
//! printed when it was generated. They run on every compiler, in two sets:
//!
//! - `tests/ui/`: the derive's own errors (`compile_error!` under the attribute or field). The text
//!   is ours and rustc only draws the span under it, a layout that holds across releases, so these
//!   are compared exactly on every compiler.
//! - `tests/ui-rustc/`: errors rustc writes itself (a missing trait, with the runtime's
//!   `on_unimplemented` advice; a rule broken in const evaluation; a use after `save`). Their
//!   notes, help lines and layout change between releases, so the `.stderr` are pinned to the
//!   compiler CI uses (stable 1.95, without the `rust-src` component) and compared exactly there.
//!   On any other compiler they are compared normalised: each case must still fail to compile,
//!   with the same errors (the `error[E…]: message` lines) at the same places (the first
//!   `--> file:line:col` of each), as a set; rustc's notes and help are not compared.
//!
//! Regenerate with `TRYBUILD=overwrite cargo test --test ui` on the pinned compiler and review the
//! diff. `SESSION_UI_NORMALISED=1` compares `tests/ui-rustc/` normalised on the pinned compiler
//! too (how that mode is tested here). Set `SESSION_SKIP_UI_TESTS=1` to skip the suite (build.rs
//! then compiles it ignored, so it is reported as such rather than as a pass).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

/// Whether this is the compiler the `tests/ui-rustc/` expectations were generated with.
#[rustversion::stable(1.95)]
const PINNED: bool = true;
#[rustversion::not(stable(1.95))]
const PINNED: bool = false;

/// Where the child process of the normalised comparison finds its copies of the cases.
const SCRATCH_VAR: &str = "SESSION_UI_SCRATCH";

#[cfg_attr(miri, ignore = "trybuild does not run under miri")]
#[cfg_attr(skip_ui_tests, ignore = "SESSION_SKIP_UI_TESTS is set")]
#[test]
fn ui() {
    let exact = PINNED && env::var_os("SESSION_UI_NORMALISED").is_none_or(|value| value == "0");
    {
        let cases = trybuild::TestCases::new();
        cases.compile_fail("tests/ui/*.rs");
        if exact {
            cases.compile_fail("tests/ui-rustc/*.rs");
        }
        // The cases are built and compared when `cases` is dropped, before the normalised run,
        // which builds in the same trybuild project.
    }
    if !exact {
        normalised();
    }
}

/// The child process of [`normalised`]: trybuild, with `TRYBUILD=overwrite`, writes the stderr of
/// each copied case next to it (and fails if one compiles). Does nothing when run on its own.
#[test]
#[ignore = "run by `ui` in a child process, on compilers other than the pinned one"]
fn ui_rustc_capture() {
    if let Some(scratch) = env::var_os(SCRATCH_VAR) {
        trybuild::TestCases::new().compile_fail(Path::new(&scratch).join("*.rs"));
    }
}

/// Compares `tests/ui-rustc/` normalised: copies the cases to a scratch directory, has trybuild
/// write what this compiler prints there, and compares each with its pinned `.stderr`.
fn normalised() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-rustc");
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).expect("create the scratch directory");
    let cases = rust_files(Path::new("tests/ui-rustc"));
    assert!(!cases.is_empty(), "no cases in tests/ui-rustc");
    for case in &cases {
        let name = case.file_name().expect("a case file");
        fs::copy(case, scratch.join(name)).expect("copy a case");
    }
    let status = Command::new(env::current_exe().expect("the test binary"))
        .args(["ui_rustc_capture", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env("TRYBUILD", "overwrite")
        .env(SCRATCH_VAR, &scratch)
        .status()
        .expect("run the capture");
    assert!(status.success(), "a tests/ui-rustc case compiled, or trybuild failed (output above)");
    let mut mismatches = Vec::new();
    for case in &cases {
        let pinned = read(&case.with_extension("stderr"));
        let name = case.file_name().expect("a case file");
        let actual = read(&scratch.join(name).with_extension("stderr"));
        let (pinned, actual) = (essentials(&pinned), essentials(&actual));
        if pinned != actual {
            mismatches
                .push(format!("{}:\n  pinned: {pinned:#?}\n  this compiler: {actual:#?}", case.display()));
        }
    }
    assert!(mismatches.is_empty(), "normalised stderr differs:\n{}", mismatches.join("\n"));
}

/// The `.rs` files of `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir).expect("read the cases' directory");
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

/// What a stderr says across compilers: each error's first line with the file name, line and
/// column its primary span points at, as a set (a compiler may repeat an error, or not).
fn essentials(stderr: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut headline: Option<&str> = None;
    for line in stderr.lines() {
        if line.starts_with("error") {
            headline = Some(line);
        } else if let (Some(error), Some(location)) = (headline, line.trim_start().strip_prefix("--> ")) {
            // The directory differs between the pinned files and the scratch copies.
            let file = location.rsplit('/').next().unwrap_or(location);
            found.insert(format!("{error} --> {file}"));
            headline = None;
        }
    }
    found
}

#[test]
fn essentials_keep_each_error_and_its_place() {
    let stderr = "error[E0277]: `X` is not a session\n  --> tests/ui-rustc/a.rs:7:19\n   |\n\
                  note: required by a bound\n  --> session-runtime/src/session.rs\n\
                  error[E0277]: `X` is not a session\n --> $DIR/a.rs:7:19\n";
    assert_eq!(
        essentials(stderr),
        BTreeSet::from(["error[E0277]: `X` is not a session --> a.rs:7:19".to_owned()])
    );
}
