//! The trait `#[derive(Session)]` implements.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::{CookieSource, SessionInterface};
use crate::config::{ConfigError, CookieConfig, CookieConfigBuilder};
use crate::tracked::Tracked;

/// A session type: its data and its cookie configuration. Implement it with
/// `#[derive(Session)]`, which checks the configuration at compile time:
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use session_runtime::Session;
///
/// #[derive(Session, Serialize, Deserialize, Default)]
/// #[session(name = "visit", lifetime = "7d", permanent)]
/// struct Visit { count: u32 }
///
/// assert_eq!(Visit::CONFIG.name(), "visit");
/// let visit = Visit::open(&http::Request::new(()));
/// assert_eq!(visit.count, 0);
/// ```
///
/// Use the derive rather than an `impl` by hand: it checks every setting at compile time and
/// points at the one that breaks a rule (an invalid name, a `__Host-` cookie without `secure`,
/// `same_site = "none"` without `secure`, a lifetime over 400 days…). For a configuration known
/// only at run time, build a [`CookieConfig`] with [`CookieConfig::builder`] (which checks the
/// same rules) and use [`Tracked::open_with`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a session type",
    label = "add `#[derive(Session)]` (and `Serialize`, `Deserialize`, `Default`) to `{Self}`"
)]
pub trait Session: Serialize + DeserializeOwned + Default + Sized {
    /// The cookie configuration, checked at compile time by the derive (an invalid one does not
    /// compile).
    const CONFIG: CookieConfig;

    /// The version of the data, `#[session(version = N)]`: 1 for a type without one. The
    /// derive checks with it, at compile time, that a `migrate_from` type is older; at run time
    /// the version in [`CONFIG`](Session::CONFIG)'s [`schema`](CookieConfig::schema) is read.
    const VERSION: u32 = 1;

    /// The same configuration as a `'static` reference.
    fn config() -> &'static CookieConfig;

    /// This type's config with a few settings chosen at run time (from the environment: the
    /// domain, `secure` off for plain-HTTP development…), checked by the same rules as the
    /// derive. Call it once at start-up, so a bad setting stops the server before it serves;
    /// hand the result to [`Tracked::open_with`], or use the layers' `configure::<T>` which
    /// calls this.
    ///
    /// ```
    /// use session_runtime::{ConfigError, SameSite, Session};
    /// # #[derive(serde::Serialize, serde::Deserialize, Default)]
    /// #[derive(Session)]
    /// #[session(name = "visit", secure)]
    /// struct Visit { count: u32 }
    ///
    /// let local = Visit::configure(|c| c.secure(false).domain("localhost"))?;
    /// assert_eq!((local.name(), local.secure(), local.domain()), ("visit", false, Some("localhost")));
    /// // `SameSite=None` needs `Secure`: refused here, at start-up, never per request.
    /// let err = Visit::configure(|c| c.same_site(Some(SameSite::None)).secure(false)).unwrap_err();
    /// assert_eq!(err, ConfigError::SameSiteNoneNeedsSecure);
    /// # Ok::<(), ConfigError>(())
    /// ```
    fn configure(
        change: impl FnOnce(CookieConfigBuilder) -> CookieConfigBuilder,
    ) -> Result<CookieConfig, ConfigError> {
        change(Self::config().to_builder()).build()
    }

    /// Opens this session from `request` with the process-wide key ring. Never fails.
    fn open<R: CookieSource + ?Sized>(request: &R) -> Tracked<Self> {
        Tracked::open(Self::config(), request)
    }

    /// Opens this session from `request` with the given backend. Never fails.
    fn open_with<R: CookieSource + ?Sized>(
        interface: &Arc<dyn SessionInterface>,
        request: &R,
    ) -> Tracked<Self> {
        Tracked::open_with(Arc::clone(interface), Self::config(), request)
    }
}

/// The trait bounds the derive's expansion checks, with messages aimed at the session struct.
/// Hidden: reached only through `__private`.
pub mod checks {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    /// What [`Session`](super::Session) needs of the data. The expansion makes its impl
    /// conditional on this bound (`for<'a> Visit: SessionData`), so a missing trait is reported
    /// once, by [`assert_session_data`], rather than again as an unsatisfied supertrait.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a session: it needs `Serialize`, `Deserialize` and `Default`",
        label = "add `#[derive(Serialize, Deserialize, Default)]` to `{Self}`"
    )]
    pub trait SessionData: Serialize + DeserializeOwned + Default {}
    impl<T: Serialize + DeserializeOwned + Default> SessionData for T {}

    /// `Serialize`, with advice when it is missing.
    #[diagnostic::on_unimplemented(
        message = "the session type `{Self}` does not implement `Serialize`",
        label = "add `#[derive(serde::Serialize)]` to `{Self}`",
        note = "the session is stored in its cookie as JSON written by serde"
    )]
    pub trait SerializeSession {}
    impl<T: Serialize + ?Sized> SerializeSession for T {}

    /// `DeserializeOwned`, with advice when it is missing.
    #[diagnostic::on_unimplemented(
        message = "the session type `{Self}` does not implement `Deserialize`",
        label = "add `#[derive(serde::Deserialize)]` to `{Self}`",
        note = "the session is read back from its cookie with serde; borrowed fields (`&'a str`) \
                cannot be, use owned types (`String`)"
    )]
    pub trait DeserializeSession {}
    impl<T: DeserializeOwned> DeserializeSession for T {}

    /// `Default`, with advice when it is missing.
    #[diagnostic::on_unimplemented(
        message = "the session type `{Self}` does not implement `Default`",
        label = "add `#[derive(Default)]` to `{Self}`, or implement `Default` by hand",
        note = "a request without a valid cookie gets `Default::default()` as its session"
    )]
    pub trait DefaultSession {}
    impl<T: Default> DefaultSession for T {}

    /// Compiles only for a type that can be a session; each missing trait is one error.
    pub const fn assert_session_data<T: SerializeSession + DeserializeSession + DefaultSession>() {}
}
