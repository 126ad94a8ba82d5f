//! The runtime builder for configs known only at run time.

use std::borrow::Cow;

use super::{CookieConfig, SameSite, rules};
use crate::format::Format;

/// Builds a [`CookieConfig`] at run time; [`build`](CookieConfigBuilder::build) checks the same
/// rules as the derive and returns a typed error.
///
/// ```
/// use session_runtime::{CookieConfig, SameSite};
/// let config = CookieConfig::builder()
///     .name("app_session")
///     .domain("example.com")
///     .path("/app")
///     .secure(true)
///     .same_site(Some(SameSite::Strict))
///     .lifetime("7d")
///     .permanent(true)
///     .build()?;
/// assert_eq!(config.lifetime_secs(), 7 * 86_400);
/// # Ok::<(), session_runtime::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "call .build() to get the config"]
pub struct CookieConfigBuilder {
    config: CookieConfig,
    lifetime_text: Option<String>,
    refresh_after_text: Option<String>,
    max_lifetime_text: Option<String>,
}

impl CookieConfigBuilder {
    pub(crate) fn new() -> Self {
        Self::from_config(CookieConfig::DEFAULT)
    }

    /// Starts from `config` (`CookieConfig::to_builder`).
    pub(crate) fn from_config(config: CookieConfig) -> Self {
        CookieConfigBuilder { config, lifetime_text: None, refresh_after_text: None, max_lifetime_text: None }
    }

    /// The cookie name (default `session`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.config.settings.name = Cow::Owned(name.into());
        self
    }
    /// The `Domain` attribute (default none: the cookie goes to this host only).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.config.settings.domain = Some(Cow::Owned(domain.into()));
        self
    }
    /// The `Path` attribute (default `/`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.config.settings.path = Cow::Owned(path.into());
        self
    }
    /// `Secure` (default off, as in Flask; turn it on behind HTTPS).
    pub fn secure(mut self, secure: bool) -> Self {
        self.config.settings.secure = secure;
        self
    }
    /// `HttpOnly` (default on).
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.config.settings.http_only = http_only;
        self
    }
    /// `SameSite` (default `Lax`; `None` leaves the attribute out).
    pub fn same_site(mut self, same_site: Option<SameSite>) -> Self {
        self.config.settings.same_site = same_site;
        self
    }
    /// `Partitioned` (default off; needs `secure`).
    pub fn partitioned(mut self, partitioned: bool) -> Self {
        self.config.settings.partitioned = partitioned;
        self
    }
    /// Whether new sessions start permanent (default off).
    pub fn permanent(mut self, permanent: bool) -> Self {
        self.config.settings.permanent = permanent;
        self
    }
    /// The lifetime as text (`"31d"`, `"12h30m"`, `"90s"`, `"3600"`); checked by `build`.
    pub fn lifetime(mut self, lifetime: impl Into<String>) -> Self {
        self.lifetime_text = Some(lifetime.into());
        self
    }
    /// The lifetime in seconds; checked by `build`.
    pub fn lifetime_secs(mut self, seconds: u64) -> Self {
        self.config.settings.lifetime = seconds;
        self.lifetime_text = None;
        self
    }
    /// Re-send a permanent session's cookie on every request (default on).
    pub fn refresh_each_request(mut self, refresh: bool) -> Self {
        self.config.settings.refresh_each_request = refresh;
        self
    }
    /// The longest `Set-Cookie` line sent (default 4093).
    pub fn max_size(mut self, max_size: usize) -> Self {
        self.config.settings.max_size = max_size;
        self
    }
    /// The wire format (default native).
    pub fn format(mut self, format: Format) -> Self {
        self.config.settings.flask_format = format.is_flask();
        self
    }

    /// Encrypts the cookie value (AES-256-GCM-SIV under a key derived from the ring) instead of
    /// only signing it (default off). Native format only: with [`Format::Flask`] `build` fails,
    /// as Flask could not read the cookie. See docs/security.md for what it adds.
    ///
    /// ```
    /// use session_runtime::CookieConfig;
    /// let config = CookieConfig::builder().encrypted(true).build()?;
    /// assert!(config.encrypted());
    /// # Ok::<(), session_runtime::ConfigError>(())
    /// ```
    pub fn encrypted(mut self, encrypted: bool) -> Self {
        self.config.settings.encrypted = encrypted;
        self
    }
    /// While moving a live deployment from signed to encrypted: accept the signed cookies still
    /// within their lifetime and re-write them sealed on the same response (default off; without
    /// it a signed cookie is refused with [`Rejection::NotEncrypted`](crate::Rejection::NotEncrypted)).
    /// Needs [`encrypted`](Self::encrypted); remove it once the lifetime has passed.
    ///
    /// ```
    /// use session_runtime::{ConfigError, CookieConfig};
    /// assert!(CookieConfig::builder().encrypted(true).accept_signed(true).build().is_ok());
    /// assert_eq!(
    ///     CookieConfig::builder().accept_signed(true).build(),
    ///     Err(ConfigError::AcceptSignedWithoutEncrypted),
    /// );
    /// ```
    pub fn accept_signed(mut self, accept_signed: bool) -> Self {
        self.config.settings.accept_signed = accept_signed;
        self
    }

    /// With refresh on, how young an unchanged permanent session's cookie may be and still not
    /// be re-sent: a duration (`"1h"`, `"3600"`) or a share of the lifetime from `"1%"` to
    /// `"99%"` (reckoned on the final lifetime at `build`). Default: re-sent on every request.
    ///
    /// ```
    /// use session_runtime::{ConfigError, CookieConfig};
    /// let config = CookieConfig::builder().refresh_after("20%").lifetime("1d").build()?;
    /// assert_eq!(config.refresh_after_secs(), 17_280);
    /// assert!(matches!(
    ///     CookieConfig::builder().lifetime("1h").refresh_after("2h").build(),
    ///     Err(ConfigError::RefreshAfterTooLong(7200)),
    /// ));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn refresh_after(mut self, refresh_after: impl Into<String>) -> Self {
        self.refresh_after_text = Some(refresh_after.into());
        self
    }

    /// [`refresh_after`](Self::refresh_after) in seconds (0: re-send on every request).
    pub fn refresh_after_secs(mut self, seconds: u64) -> Self {
        self.config.settings.refresh_after = seconds;
        self.refresh_after_text = None;
        self
    }

    /// What a server-side save does when another request changed the same field (default
    /// [`ConflictPolicy::LastWrite`](super::ConflictPolicy::LastWrite)).
    pub fn on_conflict(mut self, policy: super::ConflictPolicy) -> Self {
        self.config.on_conflict = policy;
        self
    }

    /// The absolute limit of a session (default none): one issued longer ago than this is refused
    /// however often it was refreshed, and its cookie never outlives it. Read as
    /// [`lifetime`](Self::lifetime) is; `build` checks that it lies between the lifetime and 400
    /// days, and that the format is the native one (Flask's has no place for the issued-at time).
    ///
    /// ```
    /// use session_runtime::{ConfigError, CookieConfig};
    /// let config = CookieConfig::builder().permanent(true).lifetime("1d").max_lifetime("30d").build()?;
    /// assert_eq!(config.max_lifetime_secs(), Some(2_592_000));
    /// assert_eq!(
    ///     CookieConfig::builder().lifetime("7d").max_lifetime("1d").build(),
    ///     Err(ConfigError::MaxLifetimeShorter(86_400)),
    /// );
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn max_lifetime(mut self, max_lifetime: impl Into<String>) -> Self {
        self.max_lifetime_text = Some(max_lifetime.into());
        self
    }

    /// [`max_lifetime`](Self::max_lifetime) in seconds (0: no absolute limit).
    pub fn max_lifetime_secs(mut self, seconds: u64) -> Self {
        self.config.settings.max_lifetime = seconds;
        self.max_lifetime_text = None;
        self
    }

    /// Checks every rule and returns the config.
    pub fn build(self) -> Result<CookieConfig, rules::ConfigError> {
        let mut config = self.config;
        if let Some(text) = self.lifetime_text {
            config.settings.lifetime = rules::parse_lifetime(&text)?;
        }
        if let Some(text) = self.refresh_after_text {
            config.settings.refresh_after = rules::parse_refresh_after(&text, config.settings.lifetime)?;
        }
        if let Some(text) = self.max_lifetime_text {
            config.settings.max_lifetime = rules::parse_max_lifetime(&text)?;
        }
        rules::validate(&config)?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigError;

    #[test]
    fn every_rule_is_enforced() {
        let b = CookieConfig::builder;
        assert!(matches!(b().name("a b").build(), Err(ConfigError::Name(_))));
        assert!(matches!(b().name("").build(), Err(ConfigError::Name(_))));
        assert!(matches!(b().domain("a\r\nSet-Cookie: x").build(), Err(ConfigError::Domain(..))));
        assert!(matches!(b().domain("a,b").build(), Err(ConfigError::Domain(..))));
        assert!(matches!(b().domain("example.com:80").build(), Err(ConfigError::Domain(..))));
        assert!(matches!(b().path("/a b").build(), Err(ConfigError::Path(..))));
        assert!(matches!(b().path("/a\nb").build(), Err(ConfigError::Path(..))));
        assert!(matches!(b().path("relative").build(), Err(ConfigError::Path(..))));
        assert_eq!(b().lifetime("0s").build(), Err(ConfigError::LifetimeZero));
        assert_eq!(b().lifetime_secs(0).build(), Err(ConfigError::LifetimeZero));
        assert!(matches!(b().lifetime("401d").build(), Err(ConfigError::LifetimeTooLong(_))));
        assert!(matches!(b().lifetime("soon").build(), Err(ConfigError::LifetimeSyntax(_))));
        assert_eq!(b().max_size(0).build(), Err(ConfigError::MaxSize));
        assert_eq!(b().max_lifetime("0").build(), Err(ConfigError::MaxLifetimeSyntax("0".into())));
        assert_eq!(b().max_lifetime("30d").build(), Err(ConfigError::MaxLifetimeShorter(30 * 86_400)));
        assert_eq!(b().max_lifetime("401d").build(), Err(ConfigError::MaxLifetimeTooLong(401 * 86_400)));
        assert!(b().lifetime("1d").max_lifetime("30d").build().is_ok());
        assert!(b().max_lifetime_secs(0).build().is_ok(), "0 is no limit");
        assert_eq!(b().same_site(Some(SameSite::None)).build(), Err(ConfigError::SameSiteNoneNeedsSecure));
        assert_eq!(b().partitioned(true).build(), Err(ConfigError::PartitionedNeedsSecure));
        assert_eq!(b().name("__Secure-s").build(), Err(ConfigError::SecurePrefixNeedsSecure));
        assert_eq!(b().name("__host-s").build(), Err(ConfigError::HostPrefixNeedsSecure));
        let host = || b().name("__Host-s").secure(true);
        assert_eq!(host().domain("example.com").build(), Err(ConfigError::HostPrefixWithDomain));
        assert_eq!(host().path("/app").build(), Err(ConfigError::HostPrefixWithPath));
        assert!(host().build().is_ok());
        assert!(b().same_site(Some(SameSite::None)).secure(true).partitioned(true).build().is_ok());
        assert_eq!(b().accept_signed(true).build(), Err(ConfigError::AcceptSignedWithoutEncrypted));
        assert!(b().encrypted(true).accept_signed(true).build().is_ok());
        #[cfg(feature = "flask")]
        assert_eq!(b().format(Format::Flask).encrypted(true).build(), Err(ConfigError::EncryptedFlask));
        #[cfg(feature = "flask")]
        assert_eq!(b().format(Format::Flask).max_lifetime("90d").build(), Err(ConfigError::MaxLifetimeFlask));
    }
}
