//! The rules every cookie config obeys. The derive checks the same rules at compile time, with
//! spans; this module checks them for configs built at run time ([`validate`]) and, as `const fn`s,
//! for configs written by hand (`CookieConfig::from_static`, `config/static_check.rs`). Keep the
//! derive in step (the workspace test `config_rules_agree` runs the same table through all three).

use super::{CookieConfig, MAX_LIFETIME, SameSite};

/// A cookie configuration that breaks a rule. The message says what to change.
///
/// ```
/// use session_runtime::CookieConfig;
/// let err = CookieConfig::builder().path("/a;b").build().unwrap_err();
/// assert!(err.to_string().contains("`;`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The cookie name is empty or has a character outside the RFC 6265 token set.
    #[error("invalid cookie name {0:?}: use letters, digits and !#$%&'*+-.^_`|~ only (RFC 6265 token)")]
    Name(String),
    /// The domain is empty, too long, or has a forbidden character.
    #[error("invalid cookie domain {0:?}: {1}")]
    Domain(String, &'static str),
    /// The path does not start with `/`, is too long, or has a forbidden character.
    #[error("invalid cookie path {0:?}: {1}")]
    Path(String, &'static str),
    /// The lifetime text is not understood.
    #[error("invalid lifetime {0:?}: write e.g. \"31d\", \"12h30m\", \"90s\" or a number of seconds")]
    LifetimeSyntax(String),
    /// The lifetime is zero.
    #[error("the lifetime must be at least one second")]
    LifetimeZero,
    /// The lifetime exceeds 400 days, which browsers cap.
    #[error("a lifetime of {0} seconds exceeds 400 days, the most browsers honour")]
    LifetimeTooLong(u64),
    /// `max_size` is zero.
    #[error("max_size must be at least 1 byte (the default is 4093)")]
    MaxSize,
    /// `SameSite=None` without `Secure`: browsers reject the cookie.
    #[error("same_site = \"none\" requires `secure`: browsers reject SameSite=None cookies without Secure")]
    SameSiteNoneNeedsSecure,
    /// `Partitioned` without `Secure`: browsers reject the cookie.
    #[error("`partitioned` requires `secure`: browsers reject Partitioned cookies without Secure")]
    PartitionedNeedsSecure,
    /// A `__Secure-` name without `Secure`.
    #[error("a cookie named `__Secure-…` requires `secure`: browsers reject it otherwise")]
    SecurePrefixNeedsSecure,
    /// A `__Host-` name without `Secure`.
    #[error("a cookie named `__Host-…` requires `secure`: browsers reject it otherwise")]
    HostPrefixNeedsSecure,
    /// A `__Host-` name with a `Domain`.
    #[error("a cookie named `__Host-…` must not have a domain: remove `domain`")]
    HostPrefixWithDomain,
    /// A `__Host-` name with a path other than `/`.
    #[error("a cookie named `__Host-…` must have path \"/\"")]
    HostPrefixWithPath,
    /// A format needs a feature of session-runtime that is not enabled.
    #[error("{0}")]
    Format(&'static str),
}

/// The longest domain or path browsers accept as an attribute value.
pub const MAX_ATTRIBUTE_LEN: usize = 1024;

/// Bytes that RFC 6265 `token` excludes besides controls, space and non-ASCII.
const SEPARATORS: &[u8] = b"()<>@,;:\\\"/[]?={}";

/// Whether `bytes` holds `byte` (a loop, so that it is a `const fn`).
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
/// use session_runtime::config::rules::is_cookie_name;
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

/// Why a domain is refused, or `None` when it is acceptable.
///
/// ```
/// use session_runtime::config::rules::domain_problem;
/// assert_eq!(domain_problem("example.com"), None);
/// assert!(domain_problem("a;b").is_some());
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

/// Why a path is refused, or `None` when it is acceptable.
///
/// ```
/// use session_runtime::config::rules::path_problem;
/// assert_eq!(path_problem("/app"), None);
/// assert!(path_problem("app").is_some());
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

/// The settings the rules look at, borrowed from a [`CookieConfig`] or a `StaticConfig`.
#[derive(Clone, Copy)]
pub(crate) struct Parts<'a> {
    pub(crate) name: &'a str,
    pub(crate) domain: Option<&'a str>,
    pub(crate) path: &'a str,
    pub(crate) secure: bool,
    pub(crate) same_site: Option<SameSite>,
    pub(crate) partitioned: bool,
    pub(crate) lifetime: u64,
    pub(crate) max_size: usize,
}

/// A broken rule, without the offending value, so that a `const fn` can return it: the run-time
/// check turns it into a [`ConfigError`], the compile-time one into a panic message with the same
/// text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Broken {
    Name,
    Domain(&'static str),
    Path(&'static str),
    LifetimeZero,
    LifetimeTooLong,
    MaxSize,
    SameSiteNoneNeedsSecure,
    PartitionedNeedsSecure,
    SecurePrefixNeedsSecure,
    HostPrefixNeedsSecure,
    HostPrefixWithDomain,
    HostPrefixWithPath,
}

/// The first rule `parts` breaks, in the order [`validate`] reports them.
pub(crate) const fn first_broken(parts: &Parts<'_>) -> Option<Broken> {
    if !is_cookie_name(parts.name) {
        return Some(Broken::Name);
    }
    if let Some(domain) = parts.domain
        && let Some(problem) = domain_problem(domain)
    {
        return Some(Broken::Domain(problem));
    }
    if let Some(problem) = path_problem(parts.path) {
        return Some(Broken::Path(problem));
    }
    let secure = parts.secure;
    Some(if parts.lifetime == 0 {
        Broken::LifetimeZero
    } else if parts.lifetime > MAX_LIFETIME {
        Broken::LifetimeTooLong
    } else if parts.max_size == 0 {
        Broken::MaxSize
    } else if matches!(parts.same_site, Some(SameSite::None)) && !secure {
        Broken::SameSiteNoneNeedsSecure
    } else if parts.partitioned && !secure {
        Broken::PartitionedNeedsSecure
    } else if has_prefix(parts.name, "__Secure-") && !secure {
        Broken::SecurePrefixNeedsSecure
    } else if has_prefix(parts.name, "__Host-") && !secure {
        Broken::HostPrefixNeedsSecure
    } else if has_prefix(parts.name, "__Host-") && parts.domain.is_some() {
        Broken::HostPrefixWithDomain
    } else if has_prefix(parts.name, "__Host-") && !matches!(parts.path.as_bytes(), b"/") {
        Broken::HostPrefixWithPath
    } else {
        return None;
    })
}

impl Broken {
    /// The error for `parts`, which broke this rule.
    fn into_error(self, parts: &Parts<'_>) -> ConfigError {
        match self {
            Broken::Name => ConfigError::Name(parts.name.to_owned()),
            Broken::Domain(problem) => {
                ConfigError::Domain(parts.domain.unwrap_or_default().to_owned(), problem)
            }
            Broken::Path(problem) => ConfigError::Path(parts.path.to_owned(), problem),
            Broken::LifetimeZero => ConfigError::LifetimeZero,
            Broken::LifetimeTooLong => ConfigError::LifetimeTooLong(parts.lifetime),
            Broken::MaxSize => ConfigError::MaxSize,
            Broken::SameSiteNoneNeedsSecure => ConfigError::SameSiteNoneNeedsSecure,
            Broken::PartitionedNeedsSecure => ConfigError::PartitionedNeedsSecure,
            Broken::SecurePrefixNeedsSecure => ConfigError::SecurePrefixNeedsSecure,
            Broken::HostPrefixNeedsSecure => ConfigError::HostPrefixNeedsSecure,
            Broken::HostPrefixWithDomain => ConfigError::HostPrefixWithDomain,
            Broken::HostPrefixWithPath => ConfigError::HostPrefixWithPath,
        }
    }
}

/// Checks every rule on a complete config.
///
/// ```
/// use session_runtime::config::rules::validate;
/// assert!(validate(&session_runtime::CookieConfig::DEFAULT).is_ok());
/// ```
pub fn validate(config: &CookieConfig) -> Result<(), ConfigError> {
    let parts = Parts {
        name: config.name(),
        domain: config.domain(),
        path: config.path(),
        secure: config.secure,
        same_site: config.same_site,
        partitioned: config.partitioned,
        lifetime: config.lifetime,
        max_size: config.max_size,
    };
    match first_broken(&parts) {
        Some(broken) => Err(broken.into_error(&parts)),
        None => Ok(()),
    }
}
