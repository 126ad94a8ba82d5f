//! The rules every cookie config obeys, as the runtime applies them. The rules themselves, the
//! defaults and every message live in the `session-rules` crate, shared with the derive (which
//! reports every broken rule with spans); this module keeps their paths under `config::rules`
//! and applies them to a [`CookieConfig`] ([`validate`], [`parse_lifetime`]), reporting the first
//! broken one. `CookieConfig::from_static` runs the same `const fn`s in const evaluation
//! (`config/static_check.rs`).

pub use session_rules::{MAX_ATTRIBUTE_LEN, domain_problem, is_cookie_name, path_problem};

use super::CookieConfig;

/// A cookie configuration that breaks a rule. The message says what to change; it is the
/// derive's compile error for the same mistake, word for word, as both come from
/// `session_rules::Problem`.
///
/// ```
/// use session_runtime::{ConfigError, CookieConfig};
/// let err = CookieConfig::builder().path("/a;b").build().unwrap_err();
/// assert!(matches!(err, ConfigError::Path(..)));
/// assert!(err.to_string().contains("`;`"));
/// ```
pub type ConfigError = session_rules::Problem<String>;

/// Checks every rule on a complete config, and returns the first broken one.
///
/// ```
/// use session_runtime::config::rules::validate;
/// assert!(validate(&session_runtime::CookieConfig::DEFAULT).is_ok());
/// ```
pub fn validate(config: &CookieConfig) -> Result<(), ConfigError> {
    match session_rules::first_problem(&config.settings.as_borrowed()) {
        Some(problem) => Err(problem.into_owned()),
        None => Ok(()),
    }
}

/// Parses a lifetime: whole numbers with units `w`, `d`, `h`, `m`, `s` in that order, each at
/// most once (`"1w2d"`, `"12h30m"`, `"90s"`), or bare digits meaning seconds. The result must lie
/// in 1 second ..= 400 days.
///
/// ```
/// use session_runtime::{ConfigError, parse_lifetime};
/// assert_eq!(parse_lifetime("12h30m"), Ok(45_000));
/// assert_eq!(parse_lifetime("90"), Ok(90));
/// assert_eq!(parse_lifetime("0s"), Err(ConfigError::LifetimeZero));
/// assert!(parse_lifetime("401d").is_err());
/// assert!(parse_lifetime("5x").is_err());
/// ```
pub fn parse_lifetime(text: &str) -> Result<u64, ConfigError> {
    session_rules::parse_lifetime(text).map_err(session_rules::Problem::into_owned)
}

/// `refresh_after` for a session of `lifetime` seconds (the builder's parser).
pub(crate) fn parse_refresh_after(text: &str, lifetime: u64) -> Result<u64, ConfigError> {
    session_rules::parse_refresh_after(text, lifetime).map_err(session_rules::Problem::into_owned)
}

/// `max_lifetime` (the builder's parser).
pub(crate) fn parse_max_lifetime(text: &str) -> Result<u64, ConfigError> {
    session_rules::parse_max_lifetime(text).map_err(session_rules::Problem::into_owned)
}
