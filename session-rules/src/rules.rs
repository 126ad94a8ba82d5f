//! The rules, as `const fn`s: the runtime's `CookieConfig::from_static` runs them in const
//! evaluation, so a hand-written config that breaks one does not compile. `const fn` rules out
//! iterators and `str` methods such as `starts_with`, hence the slice-pattern loops.

use crate::problem::Problem;
use crate::settings::{MAX_ATTRIBUTE_LEN, MAX_LIFETIME, SameSite, Settings};

/// Bytes that RFC 6265 `token` excludes besides controls, space and non-ASCII.
const SEPARATORS: &[u8] = b"()<>@,;:\\\"/[]?={}";

/// Whether `bytes` holds `byte`.
const fn contains(mut bytes: &[u8], byte: u8) -> bool {
    while let [first, rest @ ..] = bytes {
        if *first == byte {
            return true;
        }
        bytes = rest;
    }
    false
}

/// RFC 6265 `token`: visible ASCII except separators.
///
/// ```
/// use session_rules::is_cookie_name;
/// assert!(is_cookie_name("__Host-session"));
/// assert!(!is_cookie_name("my session"));
/// assert!(!is_cookie_name(""));
/// ```
pub const fn is_cookie_name(name: &str) -> bool {
    let mut bytes = name.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    while let [b, rest @ ..] = bytes {
        if !b.is_ascii_graphic() || contains(SEPARATORS, *b) {
            return false;
        }
        bytes = rest;
    }
    true
}

/// Why a domain is refused, or `None` when it is acceptable. The reason completes
/// "invalid cookie domain …: ".
///
/// ```
/// use session_rules::domain_problem;
/// assert_eq!(domain_problem("example.com"), None);
/// assert_eq!(domain_problem("example.com:80"), Some("remove the port: a cookie domain has no `:`"));
/// ```
pub const fn domain_problem(domain: &str) -> Option<&'static str> {
    let mut after_dots = domain.as_bytes();
    while let [b'.', rest @ ..] = after_dots {
        after_dots = rest;
    }
    if after_dots.is_empty() {
        Some("it is empty")
    } else if domain.len() > MAX_ATTRIBUTE_LEN {
        Some("it is longer than 1024 bytes")
    } else if contains(domain.as_bytes(), b':') {
        Some("remove the port: a cookie domain has no `:`")
    } else {
        attribute_char_problem(domain.as_bytes())
    }
}

/// Why a path is refused, or `None` when it is acceptable. The reason completes
/// "invalid cookie path …: ".
///
/// ```
/// use session_rules::path_problem;
/// assert_eq!(path_problem("/app"), None);
/// assert_eq!(path_problem("app"), Some("it must start with `/`"));
/// ```
pub const fn path_problem(path: &str) -> Option<&'static str> {
    if !matches!(path.as_bytes(), [b'/', ..]) {
        Some("it must start with `/`")
    } else if path.len() > MAX_ATTRIBUTE_LEN {
        Some("it is longer than 1024 bytes")
    } else {
        attribute_char_problem(path.as_bytes())
    }
}

/// What would break the `Set-Cookie` line (`;` ends an attribute, CR/LF inject a header) or
/// confuse its parsers.
const fn attribute_char_problem(mut bytes: &[u8]) -> Option<&'static str> {
    while let [b, rest @ ..] = bytes {
        let problem = match *b {
            b';' => Some("it must not contain `;`, which would end the attribute"),
            b',' => Some("it must not contain `,`"),
            b' ' | b'\t' => Some("it must not contain whitespace"),
            0..=0x1f | 0x7f => {
                Some("it must not contain control characters (they would inject into the header)")
            }
            0x80..=0xff => Some("it must be ASCII (write an internationalised domain in its xn-- form)"),
            _ => None,
        };
        if problem.is_some() {
            return problem;
        }
        bytes = rest;
    }
    None
}

/// The range rule on a lifetime in seconds: 1 second ..= 400 days.
pub(crate) const fn lifetime_problem<'a>(seconds: u64) -> Option<Problem<&'a str>> {
    if seconds == 0 {
        Some(Problem::LifetimeZero)
    } else if seconds > MAX_LIFETIME {
        Some(Problem::LifetimeTooLong(seconds))
    } else {
        None
    }
}

/// Case-insensitive prefix test (RFC 6265bis matches cookie prefixes case-insensitively).
const fn has_prefix(name: &str, prefix: &str) -> bool {
    let (mut name, mut prefix) = (name.as_bytes(), prefix.as_bytes());
    while let [p, prefix_rest @ ..] = prefix {
        let [n, name_rest @ ..] = name else { return false };
        if !n.eq_ignore_ascii_case(p) {
            return false;
        }
        (name, prefix) = (name_rest, prefix_rest);
    }
    true
}

/// One rule. Each checks one setting, or one setting against another, and is independent of the
/// others: the derive runs them all and reports each broken one under the attribute it names;
/// the runtime stops at the first ([`first_problem`]).
///
/// ```
/// use session_rules::{Rule, Settings};
/// let settings = Settings { partitioned: true, ..Settings::DEFAULT };
/// let broken: Vec<Rule> = Rule::ALL.into_iter().filter(|rule| rule.check(&settings).is_some()).collect();
/// assert_eq!(broken, [Rule::PartitionedNeedsSecure]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The name is an RFC 6265 token ([`is_cookie_name`]).
    Name,
    /// The domain, if any, is acceptable ([`domain_problem`]).
    Domain,
    /// The path is acceptable ([`path_problem`]).
    Path,
    /// The lifetime lies in 1 second ..= 400 days.
    Lifetime,
    /// `refresh_after`, when set, is shorter than the lifetime.
    RefreshAfter,
    /// `max_lifetime`, when set, lies between the lifetime and 400 days.
    MaxLifetime,
    /// `max_lifetime` uses the native format: in Flask's, its issued-at time would be a key of
    /// the session dict.
    MaxLifetimeNeedsNative,
    /// `max_size` is at least 1.
    MaxSize,
    /// `SameSite=None` comes with `Secure`.
    SameSiteNoneNeedsSecure,
    /// `Partitioned` comes with `Secure`.
    PartitionedNeedsSecure,
    /// A `__Secure-` name comes with `Secure`.
    SecurePrefixNeedsSecure,
    /// A `__Host-` name comes with `Secure`.
    HostPrefixNeedsSecure,
    /// A `__Host-` name has no `Domain`.
    HostPrefixWithDomain,
    /// A `__Host-` name has path `/`.
    HostPrefixWithPath,
    /// An encrypted session uses the native format: Flask could not open a sealed cookie.
    EncryptedNeedsNative,
    /// `accept_signed` comes with `encrypted`: it only governs the move to encryption.
    AcceptSignedNeedsEncrypted,
}

impl Rule {
    /// Every rule, in the order the runtime checks them (the first broken one is its error).
    ///
    /// ```
    /// assert_eq!(session_rules::Rule::ALL[0], session_rules::Rule::Name);
    /// ```
    pub const ALL: [Rule; 16] = [
        Rule::Name,
        Rule::Domain,
        Rule::Path,
        Rule::Lifetime,
        Rule::RefreshAfter,
        Rule::MaxLifetime,
        Rule::MaxLifetimeNeedsNative,
        Rule::MaxSize,
        Rule::SameSiteNoneNeedsSecure,
        Rule::PartitionedNeedsSecure,
        Rule::SecurePrefixNeedsSecure,
        Rule::HostPrefixNeedsSecure,
        Rule::HostPrefixWithDomain,
        Rule::HostPrefixWithPath,
        Rule::EncryptedNeedsNative,
        Rule::AcceptSignedNeedsEncrypted,
    ];

    /// The problem when `settings` break this rule.
    ///
    /// ```
    /// use session_rules::{Problem, Rule, Settings};
    /// let settings = Settings { name: "a b", ..Settings::DEFAULT };
    /// assert_eq!(Rule::Name.check(&settings), Some(Problem::Name("a b")));
    /// assert_eq!(Rule::Path.check(&settings), None);
    /// ```
    pub const fn check<'a>(self, settings: &Settings<&'a str>) -> Option<Problem<&'a str>> {
        let secure = settings.secure;
        let host = has_prefix(settings.name, "__Host-");
        match self {
            Rule::Name => when(!is_cookie_name(settings.name), Problem::Name(settings.name)),
            Rule::Domain => match settings.domain {
                Some(domain) => match domain_problem(domain) {
                    Some(reason) => Some(Problem::Domain(domain, reason)),
                    None => None,
                },
                None => None,
            },
            Rule::Path => match path_problem(settings.path) {
                Some(reason) => Some(Problem::Path(settings.path, reason)),
                None => None,
            },
            Rule::Lifetime => lifetime_problem(settings.lifetime),
            Rule::RefreshAfter => when(
                settings.refresh_after > 0 && settings.refresh_after >= settings.lifetime,
                Problem::RefreshAfterTooLong(settings.refresh_after),
            ),
            Rule::MaxLifetime => match settings.max_lifetime {
                0 => None,
                max if max < settings.lifetime => Some(Problem::MaxLifetimeShorter(max)),
                max if max > MAX_LIFETIME => Some(Problem::MaxLifetimeTooLong(max)),
                _ => None,
            },
            Rule::MaxLifetimeNeedsNative => {
                when(settings.max_lifetime > 0 && settings.flask_format, Problem::MaxLifetimeFlask)
            }
            Rule::MaxSize => when(settings.max_size == 0, Problem::MaxSize),
            Rule::SameSiteNoneNeedsSecure => when(
                matches!(settings.same_site, Some(SameSite::None)) && !secure,
                Problem::SameSiteNoneNeedsSecure,
            ),
            Rule::PartitionedNeedsSecure => {
                when(settings.partitioned && !secure, Problem::PartitionedNeedsSecure)
            }
            Rule::SecurePrefixNeedsSecure => {
                when(has_prefix(settings.name, "__Secure-") && !secure, Problem::SecurePrefixNeedsSecure)
            }
            Rule::HostPrefixNeedsSecure => when(host && !secure, Problem::HostPrefixNeedsSecure),
            Rule::HostPrefixWithDomain => {
                when(host && settings.domain.is_some(), Problem::HostPrefixWithDomain)
            }
            Rule::HostPrefixWithPath => {
                when(host && !matches!(settings.path.as_bytes(), b"/"), Problem::HostPrefixWithPath)
            }
            Rule::EncryptedNeedsNative => {
                when(settings.encrypted && settings.flask_format, Problem::EncryptedFlask)
            }
            Rule::AcceptSignedNeedsEncrypted => {
                when(settings.accept_signed && !settings.encrypted, Problem::AcceptSignedWithoutEncrypted)
            }
        }
    }
}

/// `Some(problem)` when `broken` (`bool::then_some` is not a `const fn`).
const fn when(broken: bool, problem: Problem<&str>) -> Option<Problem<&str>> {
    if broken { Some(problem) } else { None }
}

/// The first rule `settings` break, in the order of [`Rule::ALL`]: the runtime's error.
///
/// ```
/// use session_rules::{Problem, Settings, first_problem};
/// assert_eq!(first_problem(&Settings::DEFAULT), None);
/// let settings = Settings { name: "__Host-id", path: "/app", ..Settings::DEFAULT };
/// assert_eq!(first_problem(&settings), Some(Problem::HostPrefixNeedsSecure));
/// ```
pub const fn first_problem<'a>(settings: &Settings<&'a str>) -> Option<Problem<&'a str>> {
    let mut rules: &[Rule] = &Rule::ALL;
    while let [rule, rest @ ..] = rules {
        if let Some(problem) = rule.check(settings) {
            return Some(problem);
        }
        rules = rest;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_attributes() {
        assert!(is_cookie_name("__Host-session"));
        assert!(is_cookie_name("!#$%&'*+-.^_`|~09AZaz"));
        for bad in ["my session", "a=b", "", "café", "a;b", "a\"b", "a\0b", "a\u{7f}b", "a/b"] {
            assert!(!is_cookie_name(bad), "{bad:?}");
        }
        assert_eq!(domain_problem("example.com"), None);
        assert_eq!(domain_problem(".example.com"), None);
        for bad in [".", "", "..", "a;b", "a,b", "a b", "a\tb", "a\r\nb", "a\u{7f}b", "exämple.com"] {
            assert!(domain_problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(domain_problem("example.com:80"), Some("remove the port: a cookie domain has no `:`"));
        assert_eq!(path_problem("/app"), None);
        assert_eq!(path_problem("/"), None);
        for bad in ["app", "", "/a b", "/a;b", "/a,b", "/a\nb", "/é"] {
            assert!(path_problem(bad).is_some(), "{bad:?}");
        }
        let long = "a".repeat(MAX_ATTRIBUTE_LEN);
        assert_eq!(path_problem(&format!("/{long}")), Some("it is longer than 1024 bytes"));
        assert_eq!(domain_problem(&format!("{long}a")), Some("it is longer than 1024 bytes"));
        assert!(has_prefix("__host-x", "__Host-"));
        assert!(has_prefix("__Host-", "__Host-"));
        assert!(!has_prefix("_Host-x", "__Host-"));
        assert!(!has_prefix("__Hos", "__Host-"));
    }

    /// `Rule::ALL` lists every rule once: the match fails to compile when a rule is added, and
    /// then the new rule needs its place in `ALL` too.
    #[test]
    fn all_lists_every_rule_once() {
        let position = |rule: Rule| match rule {
            Rule::Name => 0,
            Rule::Domain => 1,
            Rule::Path => 2,
            Rule::Lifetime => 3,
            Rule::RefreshAfter => 4,
            Rule::MaxLifetime => 5,
            Rule::MaxLifetimeNeedsNative => 6,
            Rule::MaxSize => 7,
            Rule::SameSiteNoneNeedsSecure => 8,
            Rule::PartitionedNeedsSecure => 9,
            Rule::SecurePrefixNeedsSecure => 10,
            Rule::HostPrefixNeedsSecure => 11,
            Rule::HostPrefixWithDomain => 12,
            Rule::HostPrefixWithPath => 13,
            Rule::EncryptedNeedsNative => 14,
            Rule::AcceptSignedNeedsEncrypted => 15,
        };
        for (index, rule) in Rule::ALL.into_iter().enumerate() {
            assert_eq!(position(rule), index, "{rule:?}");
        }
    }

    /// Each rule, broken alone, is the one `first_problem` reports, with the problem it names.
    #[test]
    fn every_rule_is_enforced() {
        let d = Settings::DEFAULT;
        let host = Settings { name: "__Host-s", secure: true, ..d };
        for (settings, expected) in [
            (Settings { name: "a b", ..d }, Problem::Name("a b")),
            (Settings { name: "", ..d }, Problem::Name("")),
            (
                Settings { domain: Some("a\r\nSet-Cookie=x"), ..d },
                Problem::Domain(
                    "a\r\nSet-Cookie=x",
                    "it must not contain control characters (they would inject into the header)",
                ),
            ),
            (Settings { domain: Some("a,b"), ..d }, Problem::Domain("a,b", "it must not contain `,`")),
            (Settings { path: "relative", ..d }, Problem::Path("relative", "it must start with `/`")),
            (Settings { path: "/a b", ..d }, Problem::Path("/a b", "it must not contain whitespace")),
            (Settings { lifetime: 0, ..d }, Problem::LifetimeZero),
            (Settings { lifetime: MAX_LIFETIME + 1, ..d }, Problem::LifetimeTooLong(MAX_LIFETIME + 1)),
            (Settings { lifetime: u64::MAX, ..d }, Problem::LifetimeTooLong(u64::MAX)),
            (Settings { lifetime: 60, refresh_after: 60, ..d }, Problem::RefreshAfterTooLong(60)),
            (Settings { lifetime: 60, max_lifetime: 59, ..d }, Problem::MaxLifetimeShorter(59)),
            (Settings { max_lifetime: MAX_LIFETIME + 1, ..d }, Problem::MaxLifetimeTooLong(MAX_LIFETIME + 1)),
            (Settings { max_lifetime: 86_400 * 90, flask_format: true, ..d }, Problem::MaxLifetimeFlask),
            (Settings { max_size: 0, ..d }, Problem::MaxSize),
            (Settings { same_site: Some(SameSite::None), ..d }, Problem::SameSiteNoneNeedsSecure),
            (Settings { partitioned: true, ..d }, Problem::PartitionedNeedsSecure),
            (Settings { name: "__Secure-s", ..d }, Problem::SecurePrefixNeedsSecure),
            (Settings { name: "__host-s", ..d }, Problem::HostPrefixNeedsSecure),
            (Settings { domain: Some("example.com"), ..host }, Problem::HostPrefixWithDomain),
            (Settings { path: "/app", ..host }, Problem::HostPrefixWithPath),
            (Settings { encrypted: true, flask_format: true, ..d }, Problem::EncryptedFlask),
            (Settings { accept_signed: true, ..d }, Problem::AcceptSignedWithoutEncrypted),
            (
                Settings { accept_signed: true, flask_format: true, ..d },
                Problem::AcceptSignedWithoutEncrypted,
            ),
        ] {
            assert_eq!(first_problem(&settings), Some(expected), "{settings:?}");
        }
    }

    /// What the rules accept: prefixes with what they need, every setting at its limit.
    #[test]
    fn accepted_settings() {
        let d = Settings::DEFAULT;
        for settings in [
            d,
            Settings { name: "__Host-visit", secure: true, ..d },
            Settings { name: "__Host-visit", secure: true, path: "/", ..d },
            Settings {
                name: "__secure-x",
                secure: true,
                same_site: Some(SameSite::None),
                partitioned: true,
                ..d
            },
            Settings { same_site: None, ..d },
            Settings { domain: Some(".example.com"), path: "/a/b", lifetime: MAX_LIFETIME, max_size: 1, ..d },
            Settings { lifetime: 1, ..d },
            Settings { encrypted: true, ..d },
            Settings { encrypted: true, accept_signed: true, ..d },
            Settings { flask_format: true, ..d },
        ] {
            assert_eq!(first_problem(&settings), None, "{settings:?}");
        }
    }

    /// Rules are independent: settings that break several break each, and the first in `ALL` wins.
    #[test]
    fn several_broken_rules() {
        let settings =
            Settings { name: "__Host-x", domain: Some("example.com"), path: "/app", ..Settings::DEFAULT };
        let broken: Vec<Rule> =
            Rule::ALL.into_iter().filter(|rule| rule.check(&settings).is_some()).collect();
        assert_eq!(
            broken,
            [Rule::HostPrefixNeedsSecure, Rule::HostPrefixWithDomain, Rule::HostPrefixWithPath]
        );
        assert_eq!(first_problem(&settings), Some(Problem::HostPrefixNeedsSecure));
    }

    /// The rules run in const evaluation, which is how `from_static` uses them.
    #[test]
    fn const_evaluation() {
        const BROKEN: Option<Problem<&str>> =
            first_problem(&Settings { name: "__Secure-x", ..Settings::DEFAULT });
        const FINE: Option<Problem<&str>> = first_problem(&Settings::DEFAULT);
        assert_eq!(BROKEN, Some(Problem::SecurePrefixNeedsSecure));
        assert_eq!(FINE, None);
    }
}
