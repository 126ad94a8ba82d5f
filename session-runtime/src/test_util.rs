//! A test kit for your own handlers (feature `test-util`, for `[dev-dependencies]`), in the
//! spirit of Flask's `session_transaction`: make the cookie of a session you describe, send it
//! to your router, and read back the session the response set. It works with the native, the
//! encrypted and the Flask formats, and with server-side sessions (the kit writes the record into
//! the store, and reads it back from there), because it goes through the backend itself.
//!
//! ```
//! use session_runtime::test_util::SessionKit;
//! use session_runtime::{Keys, SecretKey, SecureCookieSessionInterface, Session};
//! use std::sync::Arc;
//!
//! #[derive(Session, serde::Serialize, serde::Deserialize, Default, Debug, PartialEq)]
//! struct Visit { count: u32 }
//!
//! let kit = SessionKit::new(Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?))));
//! let cookie = kit.cookie(Visit { count: 41 })?; // "session=…", for a `Cookie` header
//!
//! // What a handler would do with it, written out here:
//! let request = http::Request::builder().header("cookie", &cookie).body(())?;
//! let mut visit = kit.open::<Visit>(&request);
//! visit.count += 1;
//! let mut response = http::Response::new(());
//! visit.save(&mut response)?;
//!
//! assert_eq!(kit.read::<Visit>(&response)?, Visit { count: 42 });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With a router, build the kit from the same layer the app uses (`SessionKit::from(&layer)`,
//! feature `tower`; or from the actix middleware), so overrides made with `configure::<T>` apply
//! to the kit too; docs/guide.md, "Testing your handlers", has a complete axum test.

use std::sync::Arc;

use http::HeaderMap;
use http::header::{COOKIE, SET_COOKIE};

use crate::backend::{ConfigRef, CookieSource, InterfaceRef, SessionInterface};
use crate::config::CookieConfig;
use crate::error::{Error, Rejection};
use crate::integrations::LayerSettings;
use crate::session::Session;
use crate::tracked::Tracked;

/// Why the kit could not make a cookie or read a session. Never shows a cookie value or a key.
///
/// ```
/// use session_runtime::test_util::KitError;
/// let err = KitError::NoCookie { name: "visit".into() };
/// assert!(err.to_string().contains("no `visit` cookie"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KitError {
    /// The response has no `Set-Cookie` for the session's cookie.
    #[error(
        "the response sets no `{name}` cookie: the handler left the session unchanged (or never opened it), \
         or the layer in front of it uses another config for this type (build the kit from that layer)"
    )]
    NoCookie {
        /// The cookie name looked for.
        name: String,
    },
    /// The response deletes the session's cookie (the handler cleared or destroyed the session).
    #[error("the response deletes the `{name}` cookie: the handler cleared the session")]
    Deleted {
        /// The cookie name.
        name: String,
    },
    /// The cookie the response set was refused when read back, e.g. the kit's backend has other
    /// keys than the app's.
    #[error("the `{name}` cookie of the response was refused ({rejection}); give the kit the app's backend")]
    Rejected {
        /// The cookie name.
        name: String,
        /// Why it was refused.
        rejection: Rejection,
    },
    /// The session described equals a new one, so there is no cookie to make: send the request
    /// without one.
    #[error(
        "the `{name}` session described is the default one, which has no cookie: send the request without a `{name}` cookie"
    )]
    DefaultSession {
        /// The cookie name.
        name: String,
    },
    /// Saving the session described failed (no key, too large for a cookie, a store error).
    #[error("the session could not be saved: {0}")]
    Save(#[from] Error),
}

/// What a response looks like to the kit: its `Set-Cookie` lines. Implemented for
/// `http::Response<B>`, `http::response::Parts`, `http::HeaderMap` (reqwest's
/// `response.headers()`), and with feature `actix` for actix-web's `HttpResponse` and
/// `ServiceResponse`.
///
/// ```
/// use session_runtime::test_util::ResponseCookies;
/// let mut response = http::Response::new(());
/// response.headers_mut().append("set-cookie", "a=1; Path=/".parse()?);
/// let mut lines = Vec::new();
/// response.each_set_cookie(&mut |line| lines.push(line.to_owned()));
/// assert_eq!(lines, ["a=1; Path=/"]);
/// # Ok::<(), http::header::InvalidHeaderValue>(())
/// ```
pub trait ResponseCookies {
    /// Calls `visit` with each `Set-Cookie` line that is text, in order.
    fn each_set_cookie(&self, visit: &mut dyn FnMut(&str));
}

impl ResponseCookies for HeaderMap {
    fn each_set_cookie(&self, visit: &mut dyn FnMut(&str)) {
        self.get_all(SET_COOKIE).iter().filter_map(|value| value.to_str().ok()).for_each(visit);
    }
}

impl<B> ResponseCookies for http::Response<B> {
    fn each_set_cookie(&self, visit: &mut dyn FnMut(&str)) {
        self.headers().each_set_cookie(visit);
    }
}

impl ResponseCookies for http::response::Parts {
    fn each_set_cookie(&self, visit: &mut dyn FnMut(&str)) {
        self.headers.each_set_cookie(visit);
    }
}

#[cfg(feature = "actix")]
impl<B> ResponseCookies for actix_web::HttpResponse<B> {
    fn each_set_cookie(&self, visit: &mut dyn FnMut(&str)) {
        let lines = self.headers().get_all(actix_web::http::header::SET_COOKIE);
        lines.filter_map(|value| value.to_str().ok()).for_each(visit);
    }
}

#[cfg(feature = "actix")]
impl<B> ResponseCookies for actix_web::dev::ServiceResponse<B> {
    fn each_set_cookie(&self, visit: &mut dyn FnMut(&str)) {
        self.response().each_set_cookie(visit);
    }
}

/// Makes session cookies and reads sessions back with a given backend (and the run-time configs
/// of a layer). Cheap to clone.
///
/// ```
/// use session_runtime::test_util::SessionKit;
/// use session_runtime::{Keys, SecretKey, ServerSideSessionInterface};
/// use std::sync::Arc;
/// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
/// # struct Visit { count: u32 }
///
/// // Server-side: the cookie is a signed id; the kit puts the record into the memory store.
/// let backend = Arc::new(ServerSideSessionInterface::memory(Keys::new(SecretKey::generate()?)));
/// let kit = SessionKit::new(backend);
/// let cookie = kit.cookie(Visit { count: 3 })?;
/// let request = http::Request::builder().header("cookie", cookie).body(())?;
/// assert_eq!(kit.open::<Visit>(&request).count, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SessionKit {
    /// A layer's settings with the backend resolved (the kit's eager types are never used).
    settings: LayerSettings,
}

impl SessionKit {
    /// A kit using `interface`, the backend your app's layer uses (same keys, same store).
    ///
    /// ```
    /// use session_runtime::{test_util::SessionKit, SecureCookieSessionInterface};
    /// let kit = SessionKit::new(std::sync::Arc::new(SecureCookieSessionInterface::without_keys()));
    /// # let _ = kit;
    /// ```
    pub fn new(interface: impl Into<InterfaceRef>) -> Self {
        SessionKit { settings: LayerSettings::new(Some(interface.into())) }
    }

    /// A kit using the process-wide backend (`install_keys` or `SESSION_SECRET_KEY`), as
    /// `SessionLayer::new()` does.
    ///
    /// ```
    /// let kit = session_runtime::test_util::SessionKit::global();
    /// # let _ = kit;
    /// ```
    pub fn global() -> Self {
        SessionKit { settings: LayerSettings::new(None).resolved() }
    }

    /// Uses `config` for session `T`, as a layer's `with_config::<T>` does (a kit made from the
    /// layer has its configs already).
    ///
    /// ```
    /// use session_runtime::{test_util::SessionKit, SecureCookieSessionInterface, Session};
    /// # #[derive(Session, serde::Serialize, serde::Deserialize, Default)]
    /// # struct Visit { count: u32 }
    /// let kit = SessionKit::new(std::sync::Arc::new(SecureCookieSessionInterface::without_keys()))
    ///     .with_config::<Visit>(Visit::configure(|c| c.name("v"))?);
    /// # let _ = kit;
    /// # Ok::<(), session_runtime::ConfigError>(())
    /// ```
    pub fn with_config<T: Session + 'static>(self, config: CookieConfig) -> Self {
        SessionKit { settings: self.settings.with_config::<T>(config) }
    }

    fn config<T: Session + 'static>(&self) -> ConfigRef {
        self.settings.config::<T>()
    }

    fn interface(&self) -> InterfaceRef {
        self.settings.interface()
    }

    /// The `Cookie` header value (`name=value`) of a session holding `data`, as the app would
    /// have set it. Server-side, the record is written into the store first.
    ///
    /// ```
    /// # use session_runtime::{test_util::SessionKit, Keys, SecretKey, SecureCookieSessionInterface};
    /// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
    /// # struct Visit { count: u32 }
    /// # let kit = SessionKit::new(std::sync::Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?))));
    /// let cookie = kit.cookie(Visit { count: 1 })?;
    /// assert!(cookie.starts_with("session="));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie<T: Session + 'static>(&self, data: T) -> Result<String, KitError> {
        self.cookie_with::<T>(|session| **session = data)
    }

    /// [`cookie`](Self::cookie) for a session prepared by `edit`: permanent, with flash messages,
    /// any state a handler could leave (Flask's `session_transaction`).
    ///
    /// ```
    /// # use session_runtime::{test_util::SessionKit, Keys, SecretKey, SecureCookieSessionInterface};
    /// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
    /// # struct Visit { count: u32 }
    /// # let kit = SessionKit::new(std::sync::Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?))));
    /// let cookie = kit.cookie_with::<Visit>(|visit| {
    ///     visit.set_permanent(true);
    ///     visit.flash("Welcome back");
    /// })?;
    /// let request = http::Request::builder().header("cookie", cookie).body(())?;
    /// let visit = kit.open::<Visit>(&request);
    /// assert!(visit.is_permanent());
    /// assert_eq!(visit.flashes()[0].message, "Welcome back");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie_with<T: Session + 'static>(
        &self,
        edit: impl FnOnce(&mut Tracked<T>),
    ) -> Result<String, KitError> {
        let mut session = self.open::<T>(&HeaderMap::new());
        edit(&mut session);
        let name = session.config().name().to_owned();
        let mut headers = HeaderMap::new();
        session.save(&mut headers)?;
        self.pair_from(&name, &headers)
    }

    /// [`cookie_with`](Self::cookie_with) for a backend whose store waits for I/O (Redis).
    ///
    /// ```
    /// # use session_runtime::{test_util::SessionKit, Keys, SecretKey, ServerSideSessionInterface};
    /// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
    /// # struct Visit { count: u32 }
    /// # async fn test() -> Result<(), Box<dyn std::error::Error>> {
    /// # let kit = SessionKit::new(std::sync::Arc::new(ServerSideSessionInterface::memory(Keys::new(SecretKey::generate()?))));
    /// let cookie = kit.cookie_async::<Visit>(|visit| visit.count = 2).await?;
    /// # let _ = cookie; Ok(()) }
    /// ```
    pub async fn cookie_async<T: Session + Send + 'static>(
        &self,
        edit: impl FnOnce(&mut Tracked<T>),
    ) -> Result<String, KitError> {
        let mut session =
            Tracked::<T>::open_async(self.interface(), self.config::<T>(), &HeaderMap::new()).await;
        edit(&mut session);
        let name = session.config().name().to_owned();
        let mut headers = HeaderMap::new();
        session.save_async(&mut headers).await?;
        self.pair_from(&name, &headers)
    }

    /// The `name=value` pair the save wrote, for a `Cookie` header.
    fn pair_from(&self, name: &str, headers: &HeaderMap) -> Result<String, KitError> {
        match set_cookie_of(name, headers) {
            Found::Value(value) => Ok(format!("{name}={value}")),
            Found::None | Found::Deleted => Err(KitError::DefaultSession { name: name.to_owned() }),
        }
    }

    /// `http::Request::builder()` with the `Cookie` header of a session holding `data`.
    ///
    /// ```
    /// # use session_runtime::{test_util::SessionKit, Keys, SecretKey, SecureCookieSessionInterface};
    /// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
    /// # struct Visit { count: u32 }
    /// # let kit = SessionKit::new(std::sync::Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?))));
    /// let request = kit.request_with(Visit { count: 9 })?.uri("/count").body(())?;
    /// assert_eq!(kit.open::<Visit>(&request).count, 9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn request_with<T: Session + 'static>(&self, data: T) -> Result<http::request::Builder, KitError> {
        Ok(http::Request::builder().header(COOKIE, self.cookie(data)?))
    }

    /// Opens session `T` from a request (or headers) as the app would: what a handler receives.
    ///
    /// ```
    /// # use session_runtime::{test_util::SessionKit, SecureCookieSessionInterface};
    /// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
    /// # struct Visit { count: u32 }
    /// # let kit = SessionKit::new(std::sync::Arc::new(SecureCookieSessionInterface::without_keys()));
    /// assert!(kit.open::<Visit>(&http::Request::new(())).is_new());
    /// ```
    pub fn open<T: Session + 'static>(&self, request: &(impl CookieSource + ?Sized)) -> Tracked<T> {
        Tracked::open_with(self.interface(), self.config::<T>(), request)
    }

    /// The session `T` that `response` set, read back through the backend (server-side: from
    /// the store). An error, never a panic, when the response set no such cookie, deleted it, or
    /// set one that does not verify.
    ///
    /// ```
    /// # use session_runtime::{test_util::{KitError, SessionKit}, SecureCookieSessionInterface};
    /// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default, Debug)]
    /// # struct Visit { count: u32 }
    /// # let kit = SessionKit::new(std::sync::Arc::new(SecureCookieSessionInterface::without_keys()));
    /// let err = kit.read::<Visit>(&http::Response::new(())).unwrap_err();
    /// assert!(matches!(err, KitError::NoCookie { .. }));
    /// ```
    pub fn read<T: Session + 'static>(
        &self,
        response: &(impl ResponseCookies + ?Sized),
    ) -> Result<T, KitError> {
        self.read_tracked(response).map(Tracked::into_inner)
    }

    /// [`read`](Self::read), keeping the handle: permanence and flash messages too.
    ///
    /// ```
    /// # use session_runtime::{test_util::SessionKit, Keys, SecretKey, SecureCookieSessionInterface};
    /// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
    /// # struct Visit { count: u32 }
    /// # let kit = SessionKit::new(std::sync::Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?))));
    /// let mut visit = kit.open::<Visit>(&http::Request::new(()));
    /// visit.flash("Saved.");
    /// let mut response = http::Response::new(());
    /// visit.save(&mut response)?;
    /// assert_eq!(kit.read_tracked::<Visit>(&response)?.flashes()[0].message, "Saved.");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_tracked<T: Session + 'static>(
        &self,
        response: &(impl ResponseCookies + ?Sized),
    ) -> Result<Tracked<T>, KitError> {
        let config = self.config::<T>();
        let request = request_for(config.get().name(), response)?;
        checked(Tracked::open_with(self.interface(), config, &request))
    }

    /// [`read`](Self::read) for a backend whose store waits for I/O (Redis).
    ///
    /// ```
    /// # use session_runtime::{test_util::SessionKit, SecureCookieSessionInterface};
    /// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
    /// # struct Visit { count: u32 }
    /// # async fn test(kit: SessionKit, response: http::Response<()>) -> Result<(), Box<dyn std::error::Error>> {
    /// let visit = kit.read_async::<Visit>(&response).await?;
    /// # let _ = visit; Ok(()) }
    /// ```
    pub async fn read_async<T: Session + Send + 'static>(
        &self,
        response: &(impl ResponseCookies + ?Sized),
    ) -> Result<T, KitError> {
        let config = self.config::<T>();
        let request = request_for(config.get().name(), response)?;
        let session = Tracked::open_async(self.interface(), config, &request).await;
        checked(session).map(Tracked::into_inner)
    }
}

/// The cookie `name` as a request would carry it back, from the response's `Set-Cookie`.
fn request_for(name: &str, response: &(impl ResponseCookies + ?Sized)) -> Result<HeaderMap, KitError> {
    let value = match set_cookie_of(name, response) {
        Found::Value(value) => value,
        Found::None => return Err(KitError::NoCookie { name: name.to_owned() }),
        Found::Deleted => return Err(KitError::Deleted { name: name.to_owned() }),
    };
    let mut headers = HeaderMap::new();
    // The pair came out of a header value, so it is one; refused anyway, it is a bad cookie.
    match http::HeaderValue::try_from(format!("{name}={value}")) {
        Ok(pair) => headers.insert(COOKIE, pair),
        Err(_) => return Err(KitError::Rejected { name: name.to_owned(), rejection: Rejection::Malformed }),
    };
    Ok(headers)
}

/// A session read back must have verified.
fn checked<T: Session>(session: Tracked<T>) -> Result<Tracked<T>, KitError> {
    match session.rejection() {
        Some(rejection) => Err(KitError::Rejected { name: session.config().name().to_owned(), rejection }),
        None => Ok(session),
    }
}

/// What the last `Set-Cookie` line for a cookie name says.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    None,
    Deleted,
    Value(String),
}

fn set_cookie_of(name: &str, response: &(impl ResponseCookies + ?Sized)) -> Found {
    let mut found = Found::None;
    response.each_set_cookie(&mut |line| {
        let mut parts = line.split(';');
        let Some((line_name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else { return };
        if line_name.trim() != name {
            return;
        }
        let expired = parts.any(|attribute| attribute.trim().eq_ignore_ascii_case("max-age=0"));
        found = if value.trim().is_empty() || expired {
            Found::Deleted
        } else {
            Found::Value(value.trim().to_owned())
        };
    });
    found
}

/// The `Cookie` header value of a session of type `T` holding `data`, made with `interface` and
/// `T`'s own config: [`SessionKit::cookie`] in one call.
///
/// ```
/// use session_runtime::{test_util, Keys, SecretKey, SecureCookieSessionInterface, Session, SessionInterface};
/// use std::sync::Arc;
/// # #[derive(Session, serde::Serialize, serde::Deserialize, Default, PartialEq, Debug)]
/// # struct Visit { count: u32 }
/// let backend: Arc<dyn SessionInterface> =
///     Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?)));
/// let cookie = test_util::cookie_for(backend.clone(), Visit { count: 5 })?;
/// let request = http::Request::builder().header("cookie", cookie).body(())?;
/// assert_eq!(Visit::open_with(&backend, &request).count, 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cookie_for<T: Session + 'static>(
    interface: impl Into<InterfaceRef>,
    data: T,
) -> Result<String, KitError> {
    SessionKit::new(interface).cookie(data)
}

/// The session of type `T` that `response` set, read back with `interface` and `T`'s own config:
/// [`SessionKit::read`] in one call.
///
/// ```
/// use session_runtime::{test_util, SecureCookieSessionInterface};
/// use std::sync::Arc;
/// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default, Debug)]
/// # struct Visit { count: u32 }
/// let backend = Arc::new(SecureCookieSessionInterface::without_keys());
/// let err = test_util::read_session::<Visit>(backend, &http::HeaderMap::new()).unwrap_err();
/// assert!(err.to_string().contains("sets no `session` cookie"));
/// ```
pub fn read_session<T: Session + 'static>(
    interface: impl Into<InterfaceRef>,
    response: &(impl ResponseCookies + ?Sized),
) -> Result<T, KitError> {
    SessionKit::new(interface).read(response)
}

#[cfg(feature = "tower")]
impl From<&crate::tower::SessionLayer> for SessionKit {
    /// The kit of a layer: its backend (the process-wide one for `SessionLayer::new()`) and its
    /// run-time configs.
    ///
    /// ```
    /// use session_runtime::{test_util::SessionKit, tower::SessionLayer};
    /// let layer = SessionLayer::new();
    /// let kit = SessionKit::from(&layer);
    /// # let _ = kit;
    /// ```
    fn from(layer: &crate::tower::SessionLayer) -> Self {
        SessionKit { settings: layer.settings.resolved() }
    }
}

#[cfg(feature = "actix")]
impl From<&crate::actix::SessionMiddleware> for SessionKit {
    /// The kit of the actix middleware: its backend and its run-time configs.
    ///
    /// ```
    /// use session_runtime::{actix::SessionMiddleware, test_util::SessionKit};
    /// let kit = SessionKit::from(&SessionMiddleware::new());
    /// # let _ = kit;
    /// ```
    fn from(middleware: &crate::actix::SessionMiddleware) -> Self {
        SessionKit { settings: middleware.settings.resolved() }
    }
}

/// An `Arc` of a backend is what apps hold; the kit takes it directly.
impl<I: SessionInterface + 'static> From<Arc<I>> for SessionKit {
    /// ```
    /// use session_runtime::{test_util::SessionKit, SecureCookieSessionInterface};
    /// let kit = SessionKit::from(std::sync::Arc::new(SecureCookieSessionInterface::without_keys()));
    /// # let _ = kit;
    /// ```
    fn from(interface: Arc<I>) -> Self {
        SessionKit::new(interface)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(SET_COOKIE, line.parse().unwrap());
        }
        map
    }

    #[test]
    fn the_last_line_for_the_name_wins_and_deletions_are_seen() {
        let found = |lines: &[&str]| set_cookie_of("s", &headers(lines));
        assert_eq!(found(&[]), Found::None);
        assert_eq!(found(&["other=1"]), Found::None);
        assert_eq!(found(&["s=1; Path=/", "s=2; Path=/"]), Found::Value("2".into()));
        assert_eq!(found(&["s=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"]), Found::Deleted);
        assert_eq!(found(&["s=x; max-age=0"]), Found::Deleted);
        assert_eq!(found(&["s"]), Found::None, "no `=`: not a cookie line");
        assert_eq!(found(&["s=a=b; Path=/"]), Found::Value("a=b".into()), "the value may hold `=`");
    }
}
