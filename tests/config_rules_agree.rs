//! The derive (at compile time) and `CookieConfig::builder()` (at run time) enforce the same rules
//! with the same messages. For each rule, the builder is given the settings of a compile-fail
//! case in `tests/ui/`, and its `ConfigError` message must be the derive's message in that case's
//! `.stderr`. Rules change in `session-runtime/src/config/rules.rs` and
//! `session-macros/src/valid.rs` together, or this test fails.

use session_runtime::{CookieConfig, CookieConfigBuilder, SameSite};

fn b() -> CookieConfigBuilder {
    CookieConfig::builder()
}

/// `(ui case, the same settings through the builder)`.
fn table() -> Vec<(&'static str, CookieConfigBuilder)> {
    let host = || b().name("__Host-visit").secure(true);
    vec![
        ("lifetime_malformed", b().lifetime("3 days")),
        ("lifetime_zero", b().lifetime("0s")),
        ("lifetime_too_long", b().lifetime("401d")),
        ("name_invalid", b().name("my session")),
        ("domain_semicolon", b().domain("example.com; Secure")),
        ("domain_whitespace", b().domain("example .com")),
        ("domain_control", b().domain("example.com\r\nX-Injected")),
        ("path_semicolon", b().path("/app;x")),
        ("path_whitespace", b().path("/my app")),
        ("path_control", b().path("/app\u{7f}")),
        ("path_relative", b().path("app")),
        ("max_size_zero", b().max_size(0)),
        ("same_site_none_without_secure", b().same_site(Some(SameSite::None))),
        ("partitioned_without_secure", b().partitioned(true)),
        ("secure_prefix_without_secure", b().name("__Secure-visit")),
        ("host_prefix_without_secure", b().name("__Host-visit")),
        ("host_prefix_with_domain", host().domain("example.com")),
        ("host_prefix_with_path", host().path("/app")),
    ]
}

#[test]
fn config_rules_agree() {
    let root = env!("CARGO_MANIFEST_DIR");
    for (case, builder) in table() {
        let runtime = match builder.build() {
            Ok(config) => panic!("{case}: the builder accepted {config:?}"),
            Err(error) => error.to_string(),
        };
        let path = format!("{root}/tests/ui/{case}.stderr");
        let stderr = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let derive: Vec<&str> = stderr.lines().filter_map(|line| line.strip_prefix("error: ")).collect();
        assert_eq!(derive, [runtime.as_str()], "{case}: the derive and the builder disagree");
    }
}

#[test]
fn every_rule_has_a_ui_case() {
    let root = env!("CARGO_MANIFEST_DIR");
    for (case, _) in table() {
        assert!(std::path::Path::new(&format!("{root}/tests/ui/{case}.rs")).exists(), "{case}");
    }
}
