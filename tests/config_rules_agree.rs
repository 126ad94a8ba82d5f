//! The derive (at compile time), `CookieConfig::builder()` (at run time) and
//! `CookieConfig::from_static` (a config written by hand, checked in const evaluation) enforce the
//! same rules with the same messages. For each rule, the builder is given the settings of a
//! compile-fail case in `tests/ui/`, and its `ConfigError` message must be the derive's message in
//! that case's `.stderr`; `from_static`, given the same settings, must panic with that message
//! (in a `const` that panic is the compile error: `tests/ui/from_static_invalid.rs`). Rules change
//! in `session-runtime/src/config/rules.rs` and `session-macros/src/valid.rs` together, or this
//! test fails.

use session_runtime::{CookieConfig, CookieConfigBuilder, SameSite, StaticConfig};

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

/// The settings of each case as written by hand; `None` where a `StaticConfig` cannot express them
/// (a lifetime is already a number of seconds there).
fn static_parts(case: &str) -> Option<StaticConfig> {
    let d = StaticConfig::DEFAULT;
    let host = StaticConfig { name: "__Host-visit", secure: true, ..d };
    Some(match case {
        "lifetime_malformed" => return None,
        "lifetime_zero" => StaticConfig { lifetime: 0, ..d },
        "lifetime_too_long" => StaticConfig { lifetime: 401 * 86_400, ..d },
        "name_invalid" => StaticConfig { name: "my session", ..d },
        "domain_semicolon" => StaticConfig { domain: Some("example.com; Secure"), ..d },
        "domain_whitespace" => StaticConfig { domain: Some("example .com"), ..d },
        "domain_control" => StaticConfig { domain: Some("example.com\r\nX-Injected"), ..d },
        "path_semicolon" => StaticConfig { path: "/app;x", ..d },
        "path_whitespace" => StaticConfig { path: "/my app", ..d },
        "path_control" => StaticConfig { path: "/app\u{7f}", ..d },
        "path_relative" => StaticConfig { path: "app", ..d },
        "max_size_zero" => StaticConfig { max_size: 0, ..d },
        "same_site_none_without_secure" => StaticConfig { same_site: Some(SameSite::None), ..d },
        "partitioned_without_secure" => StaticConfig { partitioned: true, ..d },
        "secure_prefix_without_secure" => StaticConfig { name: "__Secure-visit", ..d },
        "host_prefix_without_secure" => StaticConfig { name: "__Host-visit", ..d },
        "host_prefix_with_domain" => StaticConfig { domain: Some("example.com"), ..host },
        "host_prefix_with_path" => StaticConfig { path: "/app", ..host },
        other => panic!("no static settings for {other}"),
    })
}

/// The message `from_static` panics with for `parts`, or `None` when it accepts them.
fn from_static_panic(parts: StaticConfig) -> Option<String> {
    let payload = std::panic::catch_unwind(|| CookieConfig::from_static(parts)).err()?;
    Some(match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload.downcast::<&str>().map(|message| (*message).to_owned()).unwrap_or_default(),
    })
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
        if let Some(parts) = static_parts(case) {
            let by_hand = from_static_panic(parts);
            assert_eq!(
                by_hand.as_deref(),
                Some(runtime.as_str()),
                "{case}: from_static and the builder disagree"
            );
        }
    }
}

#[test]
fn from_static_accepts_what_the_builder_accepts() {
    let d = StaticConfig::DEFAULT;
    for parts in [
        d,
        StaticConfig { name: "__Host-visit", secure: true, ..d },
        StaticConfig {
            name: "__secure-x",
            secure: true,
            same_site: Some(SameSite::None),
            partitioned: true,
            ..d
        },
        StaticConfig { domain: Some(".example.com"), path: "/a/b", lifetime: 400 * 86_400, max_size: 1, ..d },
    ] {
        assert_eq!(from_static_panic(parts), None, "{parts:?}");
    }
    // Usable in a const, where the check runs at compile time.
    const HOST: CookieConfig = CookieConfig::from_static(StaticConfig {
        name: "__Host-visit",
        secure: true,
        ..StaticConfig::DEFAULT
    });
    assert_eq!(HOST.name(), "__Host-visit");
}

#[test]
fn every_rule_has_a_ui_case() {
    let root = env!("CARGO_MANIFEST_DIR");
    for (case, _) in table() {
        assert!(std::path::Path::new(&format!("{root}/tests/ui/{case}.rs")).exists(), "{case}");
    }
}
