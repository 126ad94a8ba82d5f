//! The cookie settings the rules look at, and their defaults (Flask's, but `SameSite=Lax`).

use alloc::borrow::Cow;

/// Flask's `PERMANENT_SESSION_LIFETIME` default: 31 days, in seconds.
///
/// ```
/// assert_eq!(session_rules::DEFAULT_LIFETIME, 31 * 86_400);
/// ```
pub const DEFAULT_LIFETIME: u64 = 31 * 24 * 60 * 60;

/// The longest lifetime browsers honour (RFC 6265bis caps `Expires`/`Max-Age` at 400 days).
///
/// ```
/// assert_eq!(session_rules::parse_lifetime("400d"), Ok(session_rules::MAX_LIFETIME));
/// ```
pub const MAX_LIFETIME: u64 = 400 * 24 * 60 * 60;

/// Werkzeug's `max_cookie_size`: the longest `Set-Cookie` line (without `Set-Cookie: `) we send.
///
/// ```
/// assert_eq!(session_rules::Settings::DEFAULT.max_size, session_rules::DEFAULT_MAX_SIZE);
/// ```
pub const DEFAULT_MAX_SIZE: usize = 4093;

/// The longest domain or path browsers accept as an attribute value.
///
/// ```
/// use session_rules::{MAX_ATTRIBUTE_LEN, path_problem};
/// assert!(path_problem(&"/".repeat(MAX_ATTRIBUTE_LEN)).is_none());
/// assert!(path_problem(&"/".repeat(MAX_ATTRIBUTE_LEN + 1)).is_some());
/// ```
pub const MAX_ATTRIBUTE_LEN: usize = 1024;

/// The `SameSite` attribute.
///
/// ```
/// use session_rules::SameSite;
/// assert_eq!(SameSite::Lax.as_str(), "Lax");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// `SameSite=Strict`: never sent on cross-site requests.
    Strict,
    /// `SameSite=Lax`: sent on top-level cross-site navigations (the default).
    Lax,
    /// `SameSite=None`: sent everywhere; requires `Secure`.
    None,
}

impl SameSite {
    /// The attribute value as written in `Set-Cookie`.
    ///
    /// ```
    /// assert_eq!(session_rules::SameSite::None.as_str(), "None");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// Every cookie setting the rules or the defaults speak of: the derive's attributes, and what
/// session-runtime's `CookieConfig` holds. Of the wire format only what the rules look at is
/// here: whether it is Flask's, and whether the value is encrypted (the format itself is the
/// runtime's type).
///
/// `S` is the string type of the name, domain and path, as in [`Problem`](crate::Problem):
/// `&'static str` (the default) in the `const` the derive emits, `&str` where the rules run (in
/// const evaluation too), `Cow<'static, str>` in the runtime's config, whose builder takes owned
/// strings. [`as_borrowed`](Settings::as_borrowed) and [`into_cow`](Settings::into_cow) go between
/// them, so no other crate lists the fields.
///
/// ```
/// use session_rules::{Settings, first_problem};
/// let settings = Settings { name: "__Host-id", secure: true, ..Settings::DEFAULT };
/// assert_eq!(first_problem(&settings), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings<S = &'static str> {
    /// The cookie name: an RFC 6265 token.
    pub name: S,
    /// The `Domain` attribute; `None` sends the cookie to this host only.
    pub domain: Option<S>,
    /// The `Path` attribute.
    pub path: S,
    /// `Secure`.
    pub secure: bool,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `SameSite`; `None` leaves the attribute out.
    pub same_site: Option<SameSite>,
    /// `Partitioned` (CHIPS).
    pub partitioned: bool,
    /// Whether new sessions start permanent.
    pub permanent: bool,
    /// The lifetime in seconds.
    pub lifetime: u64,
    /// Whether a permanent session's cookie is re-sent on every request.
    pub refresh_each_request: bool,
    /// With `refresh_each_request`: an unchanged permanent session whose cookie was signed less
    /// than this many seconds ago is not re-sent. 0 (the default) re-sends it on every request,
    /// as Flask does.
    pub refresh_after: u64,
    /// The absolute limit in seconds: a session issued longer ago than this is refused however
    /// often it was refreshed. 0 (the default) sets none, as Flask does.
    pub max_lifetime: u64,
    /// The longest `Set-Cookie` line sent, in bytes.
    pub max_size: usize,
    /// The Flask wire format (`format = "flask"`), which Flask must be able to read.
    pub flask_format: bool,
    /// The cookie value is sealed (AES-256-GCM-SIV) rather than only signed.
    pub encrypted: bool,
    /// An encrypted session still accepts signed cookies within their lifetime, and re-writes
    /// them sealed: the opt-in of a live move from signed to encrypted.
    pub accept_signed: bool,
}

impl Settings<&'static str> {
    /// Flask's defaults (`session`, path `/`, `HttpOnly`, not `Secure`, 31 days, refresh on each
    /// request, 4093 bytes), except `SameSite`, which is `Lax` where Flask leaves it out; the
    /// native format, signed and not encrypted.
    ///
    /// ```
    /// use session_rules::{SameSite, Settings};
    /// assert_eq!(Settings::DEFAULT.name, "session");
    /// assert_eq!(Settings::DEFAULT.same_site, Some(SameSite::Lax));
    /// ```
    pub const DEFAULT: Settings<&'static str> = Settings {
        name: "session",
        domain: None,
        path: "/",
        secure: false,
        http_only: true,
        same_site: Some(SameSite::Lax),
        partitioned: false,
        permanent: false,
        lifetime: DEFAULT_LIFETIME,
        refresh_each_request: true,
        refresh_after: 0,
        max_lifetime: 0,
        max_size: DEFAULT_MAX_SIZE,
        flask_format: false,
        encrypted: false,
        accept_signed: false,
    };
}

impl<S: AsRef<str>> Settings<S> {
    /// The same settings, borrowing the strings: what the rules take.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use session_rules::{Settings, first_problem};
    /// let owned = Settings { name: Cow::Owned("a b".to_owned()), ..Settings::DEFAULT.into_cow() };
    /// assert!(first_problem(&owned.as_borrowed()).is_some());
    /// ```
    pub fn as_borrowed(&self) -> Settings<&str> {
        Settings {
            name: self.name.as_ref(),
            domain: self.domain.as_ref().map(AsRef::as_ref),
            path: self.path.as_ref(),
            secure: self.secure,
            http_only: self.http_only,
            same_site: self.same_site,
            partitioned: self.partitioned,
            permanent: self.permanent,
            lifetime: self.lifetime,
            refresh_each_request: self.refresh_each_request,
            refresh_after: self.refresh_after,
            max_lifetime: self.max_lifetime,
            max_size: self.max_size,
            flask_format: self.flask_format,
            encrypted: self.encrypted,
            accept_signed: self.accept_signed,
        }
    }
}

impl<'a> Settings<&'a str> {
    /// The same settings with `Cow` strings, borrowed: a `const fn`, so that the runtime keeps a
    /// derived config's strings where the derive put them, and its builder can own new ones.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use session_rules::Settings;
    /// const SETTINGS: Settings<Cow<'static, str>> = Settings::DEFAULT.into_cow();
    /// assert_eq!(SETTINGS.as_borrowed(), Settings::DEFAULT);
    /// ```
    pub const fn into_cow(self) -> Settings<Cow<'a, str>> {
        Settings {
            name: Cow::Borrowed(self.name),
            domain: match self.domain {
                Some(domain) => Some(Cow::Borrowed(domain)),
                None => None,
            },
            path: Cow::Borrowed(self.path),
            secure: self.secure,
            http_only: self.http_only,
            same_site: self.same_site,
            partitioned: self.partitioned,
            permanent: self.permanent,
            lifetime: self.lifetime,
            refresh_each_request: self.refresh_each_request,
            refresh_after: self.refresh_after,
            max_lifetime: self.max_lifetime,
            max_size: self.max_size,
            flask_format: self.flask_format,
            encrypted: self.encrypted,
            accept_signed: self.accept_signed,
        }
    }
}
