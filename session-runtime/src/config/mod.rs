//! Cookie configuration: the `const` the derive emits, and a validating builder for configs known
//! only at run time. Both hold one `session_rules::Settings` and obey the same rules ([`rules`]),
//! which live in the `session-rules` crate with the defaults and the messages, shared with the
//! derive.

mod builder;
mod conflict;
pub mod rules;
pub(crate) mod schema;
mod static_check;

use std::borrow::Cow;

pub use builder::CookieConfigBuilder;
pub use conflict::ConflictPolicy;
pub use rules::{ConfigError, parse_lifetime};
#[doc(hidden)]
pub use schema::MigrateFn;
pub use schema::Schema;
/// The cookie settings a config holds, as the derive writes them for [`CookieConfig::from_static`].
#[doc(hidden)]
pub use session_rules::Settings;
pub use session_rules::{DEFAULT_LIFETIME, DEFAULT_MAX_SIZE, MAX_LIFETIME, SameSite};

use crate::epoch::Revocable;
use crate::format::Format;

/// Everything about the session cookie: name, attributes, lifetime, size limit, wire format and
/// whether its value is encrypted.
///
/// Defaults follow Flask (`session`, path `/`, `HttpOnly`, not `Secure`, 31 days, refresh on each
/// request, 4093 bytes) except `SameSite`, which defaults to `Lax`.
///
/// ```
/// use session_runtime::{CookieConfig, SameSite};
/// let config = CookieConfig::DEFAULT;
/// assert_eq!(config.name(), "session");
/// assert_eq!(config.same_site(), Some(SameSite::Lax));
/// assert_eq!(config.lifetime_secs(), 31 * 24 * 3600);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieConfig {
    /// The cookie settings, as the rules see them (`session_rules::Settings`): borrowed from the
    /// derive's `const`, owned when the builder set them.
    pub(crate) settings: Settings<Cow<'static, str>>,
    pub(crate) on_conflict: ConflictPolicy,
    /// The data's version and migration (`#[session(version, migrate_from)]`), not a cookie
    /// setting: set by [`with_schema`](CookieConfig::with_schema) after `from_static`.
    pub(crate) schema: Schema,
    /// The user field of a revocable type (`#[session(revocable = "user")]`), set by
    /// [`with_revocable`](CookieConfig::with_revocable).
    pub(crate) revocable: Option<Revocable>,
}

impl CookieConfig {
    /// The default configuration.
    pub const DEFAULT: CookieConfig =
        CookieConfig::from_static(Settings::DEFAULT, Format::Native, ConflictPolicy::LastWrite);

    /// Builds a config from settings written out in full, as the derive emits them, and checks
    /// every cookie rule the builder checks. In a `const` or `static` (where the derive puts it) a
    /// broken rule does not compile: the error is the rule's message. `format` is the wire format
    /// (the settings' `flask_format` must agree with it); `on_conflict` is the server-side
    /// conflict policy, which is not a cookie setting. Use [`CookieConfig::builder`] for values
    /// known only at run time.
    ///
    /// # Panics
    ///
    /// When `settings` break a rule, or their `flask_format` is not `format`'s, and this is
    /// evaluated at run time (outside a `const`).
    #[doc(hidden)]
    pub const fn from_static(
        settings: Settings<&'static str>,
        format: Format,
        on_conflict: ConflictPolicy,
    ) -> CookieConfig {
        static_check::check(&settings, format);
        CookieConfig {
            settings: settings.into_cow(),
            on_conflict,
            schema: Schema::UNVERSIONED,
            revocable: None,
        }
    }

    /// This config for a session type whose data has `schema`'s version and migration, as the
    /// derive emits it for `#[session(version = N, migrate_from = "Old")]`. A version with the
    /// Flask format does not compile in a `const` (Flask's session dict has no room for it).
    #[doc(hidden)]
    pub const fn with_schema(mut self, schema: Schema) -> CookieConfig {
        schema::check(session_rules::schema_problem(
            schema.version(),
            schema.migrates(),
            self.settings.flask_format,
        ));
        self.schema = schema;
        self
    }

    /// This config for a revocable session type (`#[session(revocable = "user")]`): its cookie
    /// carries its user's epoch and is refused once the epoch is bumped (see [`crate::epoch`]).
    /// The Flask format does not compile in a `const` (the epoch would be a key of Flask's dict).
    ///
    /// ```
    /// use session_runtime::CookieConfig;
    /// use session_runtime::epoch::Revocable;
    /// const ACCOUNT: CookieConfig = CookieConfig::DEFAULT.with_revocable(Revocable::new("user"));
    /// assert_eq!(ACCOUNT.revocable().map(|r| r.field()), Some("user"));
    /// assert_eq!(CookieConfig::DEFAULT.revocable(), None);
    /// ```
    pub const fn with_revocable(mut self, revocable: Revocable) -> CookieConfig {
        schema::check(session_rules::revocable_problem(
            true,
            revocable.is_fail_open(),
            self.settings.flask_format,
        ));
        self.revocable = Some(revocable);
        self
    }

    /// The user field and policy of a revocable session type, if it is one.
    pub const fn revocable(&self) -> Option<Revocable> {
        self.revocable
    }

    /// The version of the session data, and whether older versions are migrated
    /// (`#[session(version = N, migrate_from = "Old")]`); see [`Schema`].
    pub const fn schema(&self) -> Schema {
        self.schema
    }

    /// A builder starting from the defaults; `build()` checks every rule the derive checks.
    ///
    /// ```
    /// use session_runtime::CookieConfig;
    /// let config = CookieConfig::builder().name("__Host-id").secure(true).build().unwrap();
    /// assert!(config.secure());
    /// assert!(CookieConfig::builder().name("__Host-id").build().is_err());
    /// ```
    pub fn builder() -> CookieConfigBuilder {
        CookieConfigBuilder::new()
    }

    /// A builder starting from this config, to change a few settings at run time; its `build()`
    /// checks every rule again. For a derived session type, [`Session::configure`](crate::Session::configure)
    /// starts from the type's config.
    ///
    /// ```
    /// use session_runtime::{ConfigError, CookieConfig};
    /// let base = CookieConfig::builder().name("__Host-id").secure(true).build()?;
    /// let local = base.to_builder().name("id").secure(false).build()?;
    /// assert_eq!((local.name(), local.secure(), local.http_only()), ("id", false, true));
    /// assert_eq!(base.to_builder().secure(false).build(), Err(ConfigError::HostPrefixNeedsSecure));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn to_builder(&self) -> CookieConfigBuilder {
        CookieConfigBuilder::from_config(self.clone())
    }

    /// The cookie name.
    pub fn name(&self) -> &str {
        &self.settings.name
    }
    /// The `Domain` attribute, if any.
    pub fn domain(&self) -> Option<&str> {
        self.settings.domain.as_deref()
    }
    /// The `Path` attribute.
    pub fn path(&self) -> &str {
        &self.settings.path
    }
    /// Whether `Secure` is set.
    pub fn secure(&self) -> bool {
        self.settings.secure
    }
    /// Whether `HttpOnly` is set.
    pub fn http_only(&self) -> bool {
        self.settings.http_only
    }
    /// The `SameSite` attribute; `None` leaves it out.
    pub fn same_site(&self) -> Option<SameSite> {
        self.settings.same_site
    }
    /// Whether `Partitioned` (CHIPS) is set.
    pub fn partitioned(&self) -> bool {
        self.settings.partitioned
    }
    /// Whether new sessions start permanent (with `Expires`).
    pub fn permanent(&self) -> bool {
        self.settings.permanent
    }
    /// The lifetime in seconds: the server-side maximum age of every session, and `Expires` of
    /// permanent ones.
    pub fn lifetime_secs(&self) -> u64 {
        self.settings.lifetime
    }
    /// Whether a permanent session's cookie is re-sent on every request (sliding expiry).
    pub fn refresh_each_request(&self) -> bool {
        self.settings.refresh_each_request
    }
    /// The longest `Set-Cookie` line sent, in bytes.
    pub fn max_size(&self) -> usize {
        self.settings.max_size
    }
    /// The wire format.
    pub fn format(&self) -> Format {
        match self.settings.flask_format {
            // Only `from_static` and the builder set the flag, each from a `Format`: without the
            // feature there is no `Format::Flask` to set it from.
            #[cfg(feature = "flask")]
            true => Format::Flask,
            _ => Format::Native,
        }
    }
    /// Whether the cookie value is encrypted (AES-256-GCM-SIV) rather than only signed
    /// (`#[session(encrypted)]`, [`CookieConfigBuilder::encrypted`]).
    ///
    /// ```
    /// use session_runtime::CookieConfig;
    /// assert!(!CookieConfig::DEFAULT.encrypted());
    /// assert!(CookieConfig::builder().encrypted(true).build()?.encrypted());
    /// # Ok::<(), session_runtime::ConfigError>(())
    /// ```
    pub fn encrypted(&self) -> bool {
        self.settings.encrypted
    }
    /// Whether an encrypted session still accepts signed cookies within their lifetime and
    /// re-writes them sealed (`#[session(encrypted, accept_signed)]`,
    /// [`CookieConfigBuilder::accept_signed`]).
    ///
    /// ```
    /// use session_runtime::CookieConfig;
    /// let moving = CookieConfig::builder().encrypted(true).accept_signed(true).build()?;
    /// assert!(moving.accept_signed());
    /// # Ok::<(), session_runtime::ConfigError>(())
    /// ```
    pub fn accept_signed(&self) -> bool {
        self.settings.accept_signed
    }

    /// What a server-side save does when another request changed the same field of the session
    /// (see [`ConflictPolicy`]).
    pub fn on_conflict(&self) -> ConflictPolicy {
        self.on_conflict
    }

    /// With refresh on: an unchanged permanent session whose cookie was signed less than this
    /// many seconds ago is not re-sent (nor its server-side record's life extended); 0, the
    /// default, re-sends it on every request, as Flask does. A changed session is always sent.
    ///
    /// ```
    /// use session_runtime::CookieConfig;
    /// let config = CookieConfig::builder().lifetime("10d").refresh_after("20%").build()?;
    /// assert_eq!(config.refresh_after_secs(), 2 * 86_400);
    /// assert_eq!(CookieConfig::DEFAULT.refresh_after_secs(), 0);
    /// # Ok::<(), session_runtime::ConfigError>(())
    /// ```
    pub fn refresh_after_secs(&self) -> u64 {
        self.settings.refresh_after
    }

    /// The absolute limit in seconds (`max_lifetime`): a session issued longer ago than this is
    /// refused ([`Rejection::SessionTooOld`](crate::Rejection::SessionTooOld)) however often it
    /// was refreshed, and no cookie or store expiry reaches past it. `None` (the default) sets
    /// no limit, as Flask does.
    ///
    /// ```
    /// use session_runtime::CookieConfig;
    /// let config = CookieConfig::builder().lifetime("1d").max_lifetime("30d").build()?;
    /// assert_eq!(config.max_lifetime_secs(), Some(30 * 86_400));
    /// assert_eq!(CookieConfig::DEFAULT.max_lifetime_secs(), None);
    /// # Ok::<(), session_runtime::ConfigError>(())
    /// ```
    pub fn max_lifetime_secs(&self) -> Option<u64> {
        (self.settings.max_lifetime > 0).then_some(self.settings.max_lifetime)
    }
}

impl Default for CookieConfig {
    fn default() -> Self {
        CookieConfig::DEFAULT
    }
}
