//! Snapshot tests of the expansion (prettyplease + expect-test, as bon does) and checks that
//! errors are collected. Update the snapshots with `UPDATE_EXPECT=1 cargo test -p session-macros`
//! and review the diff.

use expect_test::{ExpectFile, expect_file};
use proc_macro2::TokenStream;
use session_rules::{Rule, Settings};
use syn::DeriveInput;

fn expand(input: &str) -> TokenStream {
    let input: DeriveInput = match syn::parse_str(input) {
        Ok(input) => input,
        Err(error) => panic!("test input does not parse: {error}"),
    };
    crate::derive(&input)
}

/// Printed by prettyplease, which reads syn 2's tree: the expansion is parsed again there (the
/// tokens are proc-macro2's, which both syns share).
fn pretty(tokens: TokenStream) -> String {
    match syn2::parse2::<syn2::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(error) => panic!("the expansion is not valid Rust: {error}\n{tokens}"),
    }
}

fn assert_snapshot(input: &str, expected: ExpectFile) {
    expected.assert_eq(&pretty(expand(input)));
}

/// The `compile_error!` messages of an expansion, in order.
pub(crate) fn errors(input: &str) -> Vec<String> {
    let tokens = expand(input);
    let file: syn::File = match syn::parse2(tokens) {
        Ok(file) => file,
        Err(error) => panic!("the expansion is not valid Rust: {error}"),
    };
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(item) if item.mac.path.segments.last()?.ident == "compile_error" => {
                item.mac.parse_body::<syn::LitStr>().ok().map(|message| message.value())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn snapshot_defaults() {
    assert_snapshot(
        "#[derive(Session)] pub struct Visit { count: u32 }",
        expect_file!["../tests/snapshots/defaults.rs"],
    );
}

#[test]
fn snapshot_every_attribute() {
    assert_snapshot(
        r#"
        #[derive(Session)]
        #[session(name = "__Secure-app", domain = "example.com", path = "/app", secure, http_only = false)]
        #[session(same_site = "none", partitioned, permanent = true, lifetime = "12h30m")]
        #[session(refresh_each_request = false, refresh_after = "20%", max_lifetime = "90d", max_size = 2048, format = "native")]
        #[session(encrypted, accept_signed, on_conflict = "reject")]
        pub(crate) struct Visit { user: Option<String> }
        "#,
        expect_file!["../tests/snapshots/every_attribute.rs"],
    );
}

#[test]
fn snapshot_generic() {
    assert_snapshot(
        "#[derive(Session)] #[session(same_site = \"unset\", lifetime = 90)] \
         struct Cart<'a, T: Clone> where T: Default { items: Vec<T>, note: Cow<'a, str> }",
        expect_file!["../tests/snapshots/generic.rs"],
    );
}

#[test]
fn snapshot_crate_path_and_flask() {
    assert_snapshot(
        "#[derive(Session)] #[session(crate = \"::web::sessions\", format = \"flask\")] struct Visit {}",
        expect_file!["../tests/snapshots/crate_path.rs"],
    );
}

#[test]
fn snapshot_fallback() {
    assert_snapshot(
        "#[derive(Session)] #[session(lifetime = \"0s\")] struct Visit { count: u32 }",
        expect_file!["../tests/snapshots/fallback.rs"],
    );
}

#[test]
fn every_error_is_collected() {
    let found = errors(
        r#"
        #[derive(Session)]
        #[session(nmae = "x", lifetime = "soon", secure = "yes")]
        #[session(domain = "a;b", same_site = "sometimes")]
        enum Visit { A }
        "#,
    );
    assert_eq!(found.len(), 6, "{found:#?}");
    assert!(found[0].contains("unknown session attribute `nmae`; did you mean `name`?"), "{found:#?}");
    assert!(found.iter().any(|e| e.contains("not an enum")), "{found:#?}");
    assert!(found.iter().any(|e| e.contains("invalid lifetime")), "{found:#?}");
    assert!(found.iter().any(|e| e.contains("`secure` takes `true` or `false`")), "{found:#?}");
    assert!(found.iter().any(|e| e.contains("invalid cookie domain")), "{found:#?}");
    assert!(found.iter().any(|e| e.contains("unknown value \"sometimes\"")), "{found:#?}");
}

#[test]
fn duplicates_point_at_both() {
    let found = errors("#[derive(Session)] #[session(secure)] #[session(secure = false)] struct V {}");
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].contains("duplicate session attribute `secure`"));
    assert!(found[1].contains("`secure` is first set here"));
}

#[test]
fn valid_input_has_no_errors() {
    for input in [
        "#[derive(Session)] struct V {}",
        "#[derive(Session)] #[session()] struct V { r#type: u8 }",
        "#[derive(Session)] #[session(name = \"__Host-x\", secure, path = \"/\")] struct V {}",
        "#[derive(Session)] #[session(lifetime = \"400d\", same_site = \"Strict\")] struct V {}",
        "#[derive(Session)] #[session(crate = \"crate::rt\")] struct V {}",
        "#[derive(Session)] struct V { #[serde(rename = \"perm\")] _permanent: bool }",
        "#[derive(Session)] #[session(format = \"flask\")] struct V { #[serde(skip)] _flashes: u8 }",
        // The native format keeps the data under its own key: no name is reserved there.
        "#[derive(Session)] struct V { _permanent: bool, #[serde(alias = \"_flashes\")] f: u8 }",
    ] {
        assert_eq!(errors(input), Vec::<String>::new(), "{input}");
    }
}

/// In the Flask format, whichever way serde spells the key, with the message the runtime's Flask
/// encoder gives too (`session_rules::key_problem`).
#[test]
fn reserved_names_through_serde() {
    for (input, key) in [
        ("struct V { _permanent: bool }", "_permanent"),
        ("struct V { #[serde(rename = \"_flashes\")] f: u8 }", "_flashes"),
        ("struct V { #[serde(rename(deserialize = \"_permanent\"))] f: u8 }", "_permanent"),
        ("struct V { #[serde(default, alias = \"_flashes\")] f: u8 }", "_flashes"),
    ] {
        let input = format!("#[derive(Session)] #[session(format = \"flask\")] {input}");
        let found = errors(&input);
        assert_eq!(found, [session_rules::Problem::ReservedKey(key).to_string()], "{input}");
    }
}

/// Each rule of `session_rules`, broken alone through the attributes, is reported once with the
/// rules crate's message, and has a compile-fail case in the workspace's `tests/ui/` that shows
/// where. The match fails to compile when a rule is added, so a new rule gets both.
#[test]
fn every_rule_is_reported() {
    let d = Settings::DEFAULT;
    let host = Settings { name: "__Host-x", secure: true, ..d };
    for rule in Rule::ALL {
        let (ui_case, attributes, settings) = match rule {
            Rule::Name => ("name_invalid", "name = \"a b\"", Settings { name: "a b", ..d }),
            Rule::Domain => ("domain_semicolon", "domain = \"a;b\"", Settings { domain: Some("a;b"), ..d }),
            Rule::Path => ("path_relative", "path = \"app\"", Settings { path: "app", ..d }),
            Rule::Lifetime => ("lifetime_zero", "lifetime = 0", Settings { lifetime: 0, ..d }),
            Rule::RefreshAfter => (
                "refresh_after_too_long",
                "lifetime = \"1h\", refresh_after = \"2h\"",
                Settings { lifetime: 3_600, refresh_after: 7_200, ..d },
            ),
            Rule::MaxLifetime => (
                "max_lifetime_shorter",
                "lifetime = \"7d\", max_lifetime = \"1d\"",
                Settings { lifetime: 7 * 86_400, max_lifetime: 86_400, ..d },
            ),
            Rule::MaxLifetimeNeedsNative => (
                "max_lifetime_with_flask_format",
                "max_lifetime = \"90d\", format = \"flask\"",
                Settings { max_lifetime: 90 * 86_400, flask_format: true, ..d },
            ),
            Rule::MaxSize => ("max_size_zero", "max_size = 0", Settings { max_size: 0, ..d }),
            Rule::SameSiteNoneNeedsSecure => (
                "same_site_none_without_secure",
                "same_site = \"None\"",
                Settings { same_site: Some(session_rules::SameSite::None), ..d },
            ),
            Rule::PartitionedNeedsSecure => {
                ("partitioned_without_secure", "partitioned", Settings { partitioned: true, ..d })
            }
            Rule::SecurePrefixNeedsSecure => (
                "secure_prefix_without_secure",
                "name = \"__Secure-x\"",
                Settings { name: "__Secure-x", ..d },
            ),
            Rule::HostPrefixNeedsSecure => {
                ("host_prefix_without_secure", "name = \"__Host-x\"", Settings { name: "__Host-x", ..d })
            }
            Rule::HostPrefixWithDomain => (
                "host_prefix_with_domain",
                "name = \"__Host-x\", secure, domain = \"example.com\"",
                Settings { domain: Some("example.com"), ..host },
            ),
            Rule::HostPrefixWithPath => (
                "host_prefix_with_path",
                "name = \"__Host-x\", secure, path = \"/app\"",
                Settings { path: "/app", ..host },
            ),
            Rule::EncryptedNeedsNative => (
                "encrypted_with_flask_format",
                "encrypted, format = \"flask\"",
                Settings { encrypted: true, flask_format: true, ..d },
            ),
            Rule::AcceptSignedNeedsEncrypted => {
                ("accept_signed_without_encrypted", "accept_signed", Settings { accept_signed: true, ..d })
            }
        };
        let expected = rule.check(&settings).map(|problem| problem.to_string());
        assert!(expected.is_some(), "{rule:?}: the settings break no rule");
        let input = format!("#[derive(Session)] #[session({attributes})] struct V {{}}");
        assert_eq!(errors(&input), Vec::from_iter(expected), "{rule:?}");
        let ui = format!("{}/../tests/ui/{ui_case}.rs", env!("CARGO_MANIFEST_DIR"));
        assert!(std::path::Path::new(&ui).exists(), "{rule:?}: no {ui}");
    }
}

#[test]
fn snapshot_versioned() {
    assert_snapshot(
        "#[derive(Session)] #[session(version = 3, migrate_from = \"old::VisitV2\")] struct Visit { visits: u64 }",
        expect_file!["../tests/snapshots/versioned.rs"],
    );
}

/// `version` and `migrate_from`: each mistake the attributes alone show is one error with the
/// rules crate's message (the ones that need types, a missing `From` or a version that goes
/// down, are compile-fail cases in `tests/ui/`, as these are).
#[test]
fn version_errors_are_reported_once() {
    use session_rules::Problem;
    for (input, expected) in [
        ("#[session(version = 0)]", Problem::<&str>::VersionZero.to_string()),
        ("#[session(version = 0, migrate_from = \"V1\")]", Problem::<&str>::VersionZero.to_string()),
        ("#[session(version = 99999999999)]", Problem::VersionSyntax("99999999999").to_string()),
        ("#[session(migrate_from = \"V1\")]", Problem::<&str>::MigrateWithoutVersion.to_string()),
        (
            "#[session(version = 1, migrate_from = \"V1\")]",
            Problem::<&str>::MigrateWithoutVersion.to_string(),
        ),
        ("#[session(version = 2, format = \"flask\")]", Problem::<&str>::VersionedFlask.to_string()),
        ("#[session(version = \"2\")]", "`version` takes an integer: write `version = 2`".to_owned()),
        (
            "#[session(version = 2, migrate_from = \"V\")]",
            "a session type cannot migrate from itself".to_owned(),
        ),
        (
            "#[session(version = 2, migrate_from = \"Self\")]",
            "a session type cannot migrate from itself".to_owned(),
        ),
        (
            "#[session(version = 2, migrate_from = \"not a type\")]",
            "`migrate_from` takes the name".to_owned(),
        ),
    ] {
        let found = errors(&format!("#[derive(Session)] {input} struct V {{}}"));
        assert_eq!(found.len(), 1, "{input}: {found:#?}");
        assert!(found[0].starts_with(&expected), "{input}: {found:#?}");
    }
    let generic =
        errors("#[derive(Session)] #[session(version = 2, migrate_from = \"A\")] struct V<T> { t: T }");
    assert_eq!(generic.len(), 1, "{generic:#?}");
    assert!(generic[0].contains("not supported on a generic session type"), "{generic:#?}");
    for valid in
        ["#[session(version = 2)]", "#[session(version = 1)]", "#[session(version = 1, format = \"flask\")]"]
    {
        assert_eq!(
            errors(&format!("#[derive(Session)] {valid} struct V {{}}")),
            Vec::<String>::new(),
            "{valid}"
        );
    }
}
