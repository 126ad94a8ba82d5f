//! The rules every cookie config obeys. The derive checks the same rules at compile time, with
//! spans; this module checks them for configs built at run time. Keep the two in step (the
//! workspace test `config_rules_agree` runs the same table through both).

use super::{CookieConfig, SameSite};

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

/// RFC 6265 `token`: visible ASCII except separators.
///
/// ```
/// use session_runtime::config::rules::is_cookie_name;
/// assert!(is_cookie_name("__Host-session"));
/// assert!(!is_cookie_name("my session"));
/// assert!(!is_cookie_name(""));
/// ```
pub fn is_cookie_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
}

/// Why a domain is refused, or `None` when it is acceptable.
///
/// ```
/// use session_runtime::config::rules::domain_problem;
/// assert_eq!(domain_problem("example.com"), None);
/// assert!(domain_problem("a;b").is_some());
/// ```
pub fn domain_problem(domain: &str) -> Option<&'static str> {
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

/// Why a path is refused, or `None` when it is acceptable.
///
/// ```
/// use session_runtime::config::rules::path_problem;
/// assert_eq!(path_problem("/app"), None);
/// assert!(path_problem("app").is_some());
/// ```
pub fn path_problem(path: &str) -> Option<&'static str> {
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

/// Checks every rule on a complete config.
///
/// ```
/// use session_runtime::config::rules::validate;
/// assert!(validate(&session_runtime::CookieConfig::DEFAULT).is_ok());
/// ```
pub fn validate(config: &CookieConfig) -> Result<(), ConfigError> {
    let name = config.name();
    if !is_cookie_name(name) {
        return Err(ConfigError::Name(name.to_owned()));
    }
    if let Some(domain) = config.domain()
        && let Some(problem) = domain_problem(domain)
    {
        return Err(ConfigError::Domain(domain.to_owned(), problem));
    }
    if let Some(problem) = path_problem(config.path()) {
        return Err(ConfigError::Path(config.path().to_owned(), problem));
    }
    super::lifetime::check_lifetime(config.lifetime)?;
    if config.max_size == 0 {
        return Err(ConfigError::MaxSize);
    }
    if config.same_site == Some(SameSite::None) && !config.secure {
        return Err(ConfigError::SameSiteNoneNeedsSecure);
    }
    if config.partitioned && !config.secure {
        return Err(ConfigError::PartitionedNeedsSecure);
    }
    if has_prefix(name, "__Secure-") && !config.secure {
        return Err(ConfigError::SecurePrefixNeedsSecure);
    }
    if has_prefix(name, "__Host-") {
        if !config.secure {
            return Err(ConfigError::HostPrefixNeedsSecure);
        }
        if config.domain.is_some() {
            return Err(ConfigError::HostPrefixWithDomain);
        }
        if config.path() != "/" {
            return Err(ConfigError::HostPrefixWithPath);
        }
    }
    Ok(())
}
