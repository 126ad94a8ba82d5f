//! The cookie rules, checked at compile time with spans. The rules, defaults, lifetime parser and
//! messages are `session_rules`', the same the runtime builder and `CookieConfig::from_static`
//! apply; this module only says where each broken rule is shown. Unlike the runtime, which stops
//! at the first, it reports every broken rule.

use proc_macro2::Span;
use session_rules::{Rule, Settings};
use syn::Path;

use crate::ast::Input;
use crate::attr::{Container, Format, OnConflict, Setting};
use crate::ctxt::Ctxt;
use crate::schema::{self, Versioning};

/// A complete, valid configuration: what the expansion writes into `CookieConfig::from_static`.
pub struct Config<'a> {
    /// The cookie settings, defaults filled in: the `Settings` the expansion writes out.
    pub settings: Settings<&'a str>,
    pub format: Format,
    pub on_conflict: OnConflict,
    /// Where `format` was written, so a missing runtime feature is reported there.
    pub format_span: Span,
    /// The runtime crate: `::session_runtime` or `#[session(crate = "...")]`.
    pub krate: Path,
    /// `version` and `migrate_from`.
    pub versioning: Versioning,
    /// `revocable` and `fail_open`, when valid.
    pub revocable: Option<crate::revocable::Revocable>,
}

/// The runtime crate's path when `crate = "..."` is not given.
pub fn default_crate() -> Path {
    syn::parse_quote!(::session_runtime)
}

/// Checks every rule and fills in the defaults. Errors go to `cx`; the returned config is only
/// used when `cx` has none.
pub fn check<'a>(cx: &Ctxt, input: &'a Input<'_>) -> Config<'a> {
    let attrs = &input.attrs;
    let d = Settings::DEFAULT;
    let flag = |setting: &Option<Setting<bool>>, default: bool| setting.as_ref().map_or(default, |s| s.value);
    let text = |setting: &'a Option<Setting<String>>, default: &'a str| {
        setting.as_ref().map_or(default, |s| s.value.as_str())
    };
    // Parsed first, so its error comes first, and replaced by the default when broken, so
    // `Rule::Lifetime` below does not report it again.
    let lifetime = attrs.lifetime.as_ref().map_or(d.lifetime, |s| lifetime(cx, s));
    let settings = Settings {
        name: text(&attrs.name, d.name),
        domain: attrs.domain.as_ref().map(|s| s.value.as_str()),
        path: text(&attrs.path, d.path),
        secure: flag(&attrs.secure, d.secure),
        http_only: flag(&attrs.http_only, d.http_only),
        same_site: attrs.same_site.as_ref().map_or(d.same_site, |s| s.value),
        partitioned: flag(&attrs.partitioned, d.partitioned),
        permanent: flag(&attrs.permanent, d.permanent),
        lifetime,
        refresh_each_request: flag(&attrs.refresh_each_request, d.refresh_each_request),
        refresh_after: attrs
            .refresh_after
            .as_ref()
            .map_or(d.refresh_after, |s| refresh_after(cx, s, lifetime)),
        max_lifetime: attrs.max_lifetime.as_ref().map_or(d.max_lifetime, |s| max_lifetime(cx, s)),
        max_size: attrs.max_size.as_ref().map_or(d.max_size, |s| s.value),
        flask_format: attrs.format.as_ref().is_some_and(|s| s.value == Format::Flask),
        encrypted: flag(&attrs.encrypted, d.encrypted),
        accept_signed: flag(&attrs.accept_signed, d.accept_signed),
    };
    for rule in Rule::ALL {
        if let Some(problem) = rule.check(&settings) {
            cx.error(span(rule, attrs), problem);
        }
    }
    check_fields(cx, input, settings.flask_format);
    let versioning = schema::check(cx, input);
    let revocable = crate::revocable::check(cx, input, settings.flask_format);
    Config {
        versioning,
        revocable,
        settings,
        format: attrs.format.as_ref().map_or(Format::Native, |s| s.value),
        on_conflict: attrs.on_conflict.as_ref().map_or(OnConflict::LastWrite, |s| s.value),
        format_span: attrs.format.as_ref().map_or_else(Span::call_site, |s| s.span),
        krate: attrs.krate.as_ref().map_or_else(default_crate, |s| s.value.clone()),
    }
}

/// The seconds of `lifetime = "..."`, or the default after reporting why they are refused.
fn lifetime(cx: &Ctxt, lifetime: &Setting<String>) -> u64 {
    session_rules::parse_lifetime(&lifetime.value).unwrap_or_else(|problem| {
        cx.error(lifetime.span, problem);
        Settings::DEFAULT.lifetime
    })
}

/// The seconds of `refresh_after = "..."` for a session of `lifetime`, or the default (refresh on
/// every request) after reporting why they are refused.
fn refresh_after(cx: &Ctxt, refresh_after: &Setting<String>, lifetime: u64) -> u64 {
    session_rules::parse_refresh_after(&refresh_after.value, lifetime).unwrap_or_else(|problem| {
        cx.error(refresh_after.span, problem);
        Settings::DEFAULT.refresh_after
    })
}

/// The seconds of `max_lifetime = "..."`, or none (the default) after reporting why they are
/// refused.
fn max_lifetime(cx: &Ctxt, max_lifetime: &Setting<String>) -> u64 {
    session_rules::parse_max_lifetime(&max_lifetime.value).unwrap_or_else(|problem| {
        cx.error(max_lifetime.span, problem);
        Settings::DEFAULT.max_lifetime
    })
}

/// Where a broken rule is shown: on the attribute the user most likely has to change. The
/// defaults break no rule, so the attribute named here was written; `call_site` is only a
/// fallback.
fn span(rule: Rule, attrs: &Container) -> Span {
    fn value<T>(setting: &Option<Setting<T>>) -> Span {
        setting.as_ref().map_or_else(Span::call_site, |s| s.span)
    }
    fn key<T>(setting: &Option<Setting<T>>) -> Span {
        setting.as_ref().map_or_else(Span::call_site, |s| s.key)
    }
    match rule {
        Rule::Name | Rule::SecurePrefixNeedsSecure | Rule::HostPrefixNeedsSecure => value(&attrs.name),
        Rule::Domain => value(&attrs.domain),
        // The whole `domain` attribute has to go, not its value.
        Rule::HostPrefixWithDomain => key(&attrs.domain),
        Rule::Path | Rule::HostPrefixWithPath => value(&attrs.path),
        Rule::Lifetime => value(&attrs.lifetime),
        Rule::RefreshAfter => value(&attrs.refresh_after),
        Rule::MaxLifetime => value(&attrs.max_lifetime),
        // Flask's format is what cannot carry the issued-at time; `max_lifetime` is what needs it.
        Rule::MaxLifetimeNeedsNative => key(&attrs.max_lifetime),
        Rule::MaxSize => value(&attrs.max_size),
        Rule::SameSiteNoneNeedsSecure => value(&attrs.same_site),
        // A bare flag's value span is its key; `partitioned = true` is shown at the key too.
        Rule::PartitionedNeedsSecure => key(&attrs.partitioned),
        // `encrypted` is what Flask cannot read; `accept_signed` is the key with nothing to apply to.
        Rule::EncryptedNeedsNative => key(&attrs.encrypted),
        Rule::AcceptSignedNeedsEncrypted => key(&attrs.accept_signed),
    }
}

/// The JSON keys the Flask format reserves (`session_rules::key_problem`, which the runtime's Flask
/// encoder applies too), whether written as the field name or through serde. In the native format
/// every key is fine: the data has its own key in the envelope.
fn check_fields(cx: &Ctxt, input: &Input, flask_format: bool) {
    for field in &input.fields {
        for (name, span) in field.json_names() {
            if let Some(problem) = session_rules::key_problem(&name, flask_format) {
                cx.error(span, problem);
            }
        }
    }
}
