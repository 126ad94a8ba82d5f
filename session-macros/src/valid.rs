//! The cookie rules, checked at compile time with spans. They are the rules of
//! `session_runtime::config::rules` and `config::lifetime` (the runtime builder), with the same
//! messages as `ConfigError`: the workspace test `config_rules_agree` compares the two. Unlike the
//! builder, every broken rule is reported, not only the first.

use proc_macro2::Span;
use syn::Path;

use crate::ast::Input;
use crate::attr::{Format, SameSite, Setting};
use crate::ctxt::Ctxt;

/// Flask's defaults (`SameSite=Lax` aside), as `StaticConfig::DEFAULT` has them.
const DEFAULT_NAME: &str = "session";
const DEFAULT_PATH: &str = "/";
const DEFAULT_LIFETIME: u64 = 31 * 86_400;
const MAX_LIFETIME: u64 = 400 * 86_400;
const DEFAULT_MAX_SIZE: u64 = 4093;
const MAX_ATTRIBUTE_LEN: usize = 1024;

/// Field names the Flask format keeps for itself in the session's JSON object.
const RESERVED: &[(&str, &str)] = &[("_permanent", "the permanent flag"), ("_flashes", "the flash messages")];

/// A complete, valid configuration: what the expansion writes into `StaticConfig`.
pub struct Config {
    pub name: String,
    pub domain: Option<String>,
    pub path: String,
    pub secure: bool,
    pub http_only: bool,
    pub same_site: SameSite,
    pub partitioned: bool,
    pub permanent: bool,
    pub lifetime: u64,
    pub refresh_each_request: bool,
    pub max_size: u64,
    pub format: Format,
    /// Where `format` was written, so a missing runtime feature is reported there.
    pub format_span: Span,
    /// The runtime crate: `::session_runtime` or `#[session(crate = "...")]`.
    pub krate: Path,
}

/// The runtime crate's path when `crate = "..."` is not given.
pub fn default_crate() -> Path {
    syn::parse_quote!(::session_runtime)
}

/// Checks every rule and fills in the defaults. Errors go to `cx`; the returned config is only
/// used when `cx` has none.
pub fn check(cx: &Ctxt, input: &Input) -> Config {
    let attrs = &input.attrs;
    let flag = |setting: &Option<Setting<bool>>, default: bool| setting.as_ref().map_or(default, |s| s.value);
    let text = |setting: &Option<Setting<String>>, default: &str| {
        setting.as_ref().map_or_else(|| default.to_owned(), |s| s.value.clone())
    };
    let config = Config {
        name: text(&attrs.name, DEFAULT_NAME),
        domain: attrs.domain.as_ref().map(|s| s.value.clone()),
        path: text(&attrs.path, DEFAULT_PATH),
        secure: flag(&attrs.secure, false),
        http_only: flag(&attrs.http_only, true),
        same_site: attrs.same_site.as_ref().map_or(SameSite::Lax, |s| s.value),
        partitioned: flag(&attrs.partitioned, false),
        permanent: flag(&attrs.permanent, false),
        lifetime: attrs.lifetime.as_ref().map_or(DEFAULT_LIFETIME, |s| check_lifetime(cx, s)),
        refresh_each_request: flag(&attrs.refresh_each_request, true),
        max_size: attrs.max_size.as_ref().map_or(DEFAULT_MAX_SIZE, |s| s.value),
        format: attrs.format.as_ref().map_or(Format::Native, |s| s.value),
        format_span: attrs.format.as_ref().map_or_else(Span::call_site, |s| s.span),
        krate: attrs.krate.as_ref().map_or_else(default_crate, |s| s.value.clone()),
    };
    check_values(cx, input);
    check_combinations(cx, input, &config);
    check_fields(cx, input);
    config
}

/// Rules on one value each.
fn check_values(cx: &Ctxt, input: &Input) {
    let attrs = &input.attrs;
    if let Some(name) = &attrs.name
        && !is_cookie_name(&name.value)
    {
        cx.error(
            name.span,
            format!(
                "invalid cookie name {:?}: use letters, digits and !#$%&'*+-.^_`|~ only (RFC 6265 token)",
                name.value
            ),
        );
    }
    if let Some(domain) = &attrs.domain
        && let Some(problem) = domain_problem(&domain.value)
    {
        cx.error(domain.span, format!("invalid cookie domain {:?}: {problem}", domain.value));
    }
    if let Some(path) = &attrs.path
        && let Some(problem) = path_problem(&path.value)
    {
        cx.error(path.span, format!("invalid cookie path {:?}: {problem}", path.value));
    }
    if let Some(max_size) = &attrs.max_size
        && max_size.value == 0
    {
        cx.error(max_size.span, "max_size must be at least 1 byte (the default is 4093)");
    }
}

/// Rules between attributes. Each is spanned on the attribute the user most likely has to change.
fn check_combinations(cx: &Ctxt, input: &Input, config: &Config) {
    let attrs = &input.attrs;
    if !config.secure {
        if let Some(same_site) = attrs.same_site.as_ref().filter(|s| s.value == SameSite::None) {
            cx.error(
                same_site.span,
                "same_site = \"none\" requires `secure`: browsers reject SameSite=None cookies without Secure",
            );
        }
        if let Some(partitioned) = attrs.partitioned.as_ref().filter(|s| s.value) {
            cx.error(
                partitioned.key,
                "`partitioned` requires `secure`: browsers reject Partitioned cookies without Secure",
            );
        }
    }
    let Some(name) = &attrs.name else { return };
    if has_prefix(&name.value, "__Secure-") && !config.secure {
        cx.error(name.span, "a cookie named `__Secure-…` requires `secure`: browsers reject it otherwise");
    }
    if has_prefix(&name.value, "__Host-") {
        if !config.secure {
            cx.error(name.span, "a cookie named `__Host-…` requires `secure`: browsers reject it otherwise");
        }
        if let Some(domain) = &attrs.domain {
            cx.error(domain.key, "a cookie named `__Host-…` must not have a domain: remove `domain`");
        }
        if let Some(path) = attrs.path.as_ref().filter(|path| path.value != "/") {
            cx.error(path.span, "a cookie named `__Host-…` must have path \"/\"");
        }
    }
}

/// Field names the Flask format reserves, whether written as the field name or through serde.
fn check_fields(cx: &Ctxt, input: &Input) {
    for field in &input.fields {
        for (name, span) in field.json_names() {
            if let Some((_, what)) = RESERVED.iter().find(|(reserved, _)| *reserved == name) {
                cx.error(
                    span,
                    format!(
                        "the JSON key `{name}` is reserved: the Flask format stores {what} under it in the \
                         same object as the session's fields; choose another name for this field (or its \
                         `#[serde(rename = \"...\")]`)"
                    ),
                );
            }
        }
    }
}

/// `"31d"`, `"12h30m"`, `"90s"`, `"1w2d"` or digits, within 1 second ..= 400 days.
fn check_lifetime(cx: &Ctxt, lifetime: &Setting<String>) -> u64 {
    match parse_units(&lifetime.value) {
        None => cx.error(
            lifetime.span,
            format!(
                "invalid lifetime {:?}: write e.g. \"31d\", \"12h30m\", \"90s\" or a number of seconds",
                lifetime.value
            ),
        ),
        Some(0) => cx.error(lifetime.span, "the lifetime must be at least one second"),
        Some(seconds) if seconds > MAX_LIFETIME => cx.error(
            lifetime.span,
            format!("a lifetime of {seconds} seconds exceeds 400 days, the most browsers honour"),
        ),
        Some(seconds) => return seconds,
    }
    DEFAULT_LIFETIME
}

/// Whole numbers with units `w`, `d`, `h`, `m`, `s` in that order, each at most once, or bare
/// digits meaning seconds. `None` when malformed or overflowing.
fn parse_units(text: &str) -> Option<u64> {
    const UNITS: [(u8, u64); 5] = [(b'w', 604_800), (b'd', 86_400), (b'h', 3_600), (b'm', 60), (b's', 1)];
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    if bytes.iter().all(u8::is_ascii_digit) {
        return text.parse().ok();
    }
    let mut total: u64 = 0;
    let mut next_unit = 0;
    let mut rest = bytes;
    while !rest.is_empty() {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (number, tail) = rest.split_at_checked(digits)?;
        let (&unit, tail) = tail.split_first()?;
        let number: u64 = std::str::from_utf8(number).ok()?.parse().ok()?;
        let position = UNITS.iter().skip(next_unit).position(|&(u, _)| u == unit)?;
        let (_, scale) = UNITS.get(next_unit + position)?;
        total = total.checked_add(number.checked_mul(*scale)?)?;
        next_unit += position + 1;
        rest = tail;
    }
    Some(total)
}

/// RFC 6265 `token`: visible ASCII except separators.
fn is_cookie_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

fn domain_problem(domain: &str) -> Option<&'static str> {
    if domain.trim_start_matches('.').is_empty() {
        Some("it is empty")
    } else if domain.len() > MAX_ATTRIBUTE_LEN {
        Some("it is longer than 1024 bytes")
    } else if domain.contains(':') {
        Some("remove the port: a cookie domain has no `:`")
    } else {
        attribute_char_problem(domain)
    }
}

fn path_problem(path: &str) -> Option<&'static str> {
    if !path.starts_with('/') {
        Some("it must start with `/`")
    } else if path.len() > MAX_ATTRIBUTE_LEN {
        Some("it is longer than 1024 bytes")
    } else {
        attribute_char_problem(path)
    }
}

fn attribute_char_problem(value: &str) -> Option<&'static str> {
    value.bytes().find_map(|b| match b {
        b';' => Some("it must not contain `;`, which would end the attribute"),
        b',' => Some("it must not contain `,`"),
        b' ' | b'\t' => Some("it must not contain whitespace"),
        0..=0x1f | 0x7f => Some("it must not contain control characters (they would inject into the header)"),
        0x80..=0xff => Some("it must be ASCII (write an internationalised domain in its xn-- form)"),
        _ => None,
    })
}

/// Case-insensitive prefix test (RFC 6265bis matches cookie prefixes case-insensitively).
fn has_prefix(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes() {
        assert_eq!(parse_units("31d"), Some(31 * 86_400));
        assert_eq!(parse_units("12h30m"), Some(45_000));
        assert_eq!(parse_units("90s"), Some(90));
        assert_eq!(parse_units("3600"), Some(3600));
        assert_eq!(parse_units("1w2d3h4m5s"), Some(604_800 + 2 * 86_400 + 3 * 3_600 + 4 * 60 + 5));
        for bad in ["", "d", "30m1h", "1h1h", "1 h", "5x", "-1s", "99999999999999999999d", "1.5h"] {
            assert_eq!(parse_units(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn names_and_attributes() {
        assert!(is_cookie_name("__Host-session"));
        assert!(!is_cookie_name("my session"));
        assert!(!is_cookie_name("a=b"));
        assert!(!is_cookie_name(""));
        assert!(!is_cookie_name("café"));
        assert_eq!(domain_problem("example.com"), None);
        assert!(domain_problem(".").is_some());
        assert!(domain_problem("a;b").is_some());
        assert!(domain_problem("example.com:80").is_some());
        assert!(domain_problem("a\u{7f}b").is_some());
        assert_eq!(path_problem("/app"), None);
        assert!(path_problem("app").is_some());
        assert!(path_problem("/a b").is_some());
        assert!(path_problem(&format!("/{}", "a".repeat(1024))).is_some());
        assert!(has_prefix("__host-x", "__Host-"));
        assert!(!has_prefix("_Host-x", "__Host-"));
    }
}
