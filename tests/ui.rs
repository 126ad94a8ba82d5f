//! Compile-fail tests of `#[derive(Session)]`: one rule per file in `tests/ui/`, each with the
//! `.stderr` rustc printed when it was generated.
//!
//! rustc's wording and layout change between releases, so the expected output is pinned to the
//! toolchain CI uses (stable 1.95, without the `rust-src` component). On any other compiler the
//! test is ignored; run it anyway with `cargo test --test ui -- --ignored` (expect wording diffs),
//! or regenerate with `TRYBUILD=overwrite cargo test --test ui -- --include-ignored` and review the
//! diff. Set `SESSION_SKIP_UI_TESTS=1` to skip it on the pinned compiler too (build.rs then
//! compiles it ignored, so it is reported as such rather than as a pass).

#[rustversion::attr(
    not(stable(1.95)),
    ignore = "ui expectations are pinned to rustc 1.95; run with --ignored to compare anyway"
)]
#[cfg_attr(miri, ignore = "trybuild does not run under miri")]
#[cfg_attr(skip_ui_tests, ignore = "SESSION_SKIP_UI_TESTS is set")]
#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
