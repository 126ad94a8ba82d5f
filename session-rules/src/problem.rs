//! What can be wrong with a cookie's settings, each problem with its one message.

use alloc::string::String;
use core::fmt;

/// A cookie setting that breaks a rule. Its `Display` is the message both the derive (as a
/// compile error under the offending attribute) and the runtime (`ConfigError`, and the panic of
/// `CookieConfig::from_static`) show: what is wrong and what to change.
///
/// `S` holds the offending value: `&str` where the rules run (in const evaluation too), `String`
/// (the default) in session-runtime's `ConfigError`, which outlives the settings it was built from.
///
/// ```
/// use session_rules::{Problem, Settings, first_problem};
/// let problem = first_problem(&Settings { path: "/a;b", ..Settings::DEFAULT }).unwrap();
/// assert_eq!(
///     problem.to_string(),
///     "invalid cookie path \"/a;b\": it must not contain `;`, which would end the attribute",
/// );
/// let owned: Problem = problem.into_owned();
/// assert_eq!(owned.to_string(), problem.to_string());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Problem<S = String> {
    /// The cookie name is empty or has a character outside the RFC 6265 token set.
    Name(S),
    /// The domain is empty, too long, or has a forbidden character: the domain and the reason.
    Domain(S, &'static str),
    /// The path does not start with `/`, is too long, or has a forbidden character: the path and
    /// the reason.
    Path(S, &'static str),
    /// The lifetime text is not understood.
    LifetimeSyntax(S),
    /// The lifetime is zero.
    LifetimeZero,
    /// The lifetime exceeds 400 days, which browsers cap: the lifetime in seconds.
    LifetimeTooLong(u64),
    /// The `refresh_after` text is not understood.
    RefreshAfterSyntax(S),
    /// `refresh_after` is not shorter than the lifetime: the refresh would never come before the
    /// cookie expires. The value in seconds.
    RefreshAfterTooLong(u64),
    /// The `max_lifetime` text is not understood, or spells zero seconds.
    MaxLifetimeSyntax(S),
    /// `max_lifetime` is shorter than the lifetime: every cookie would outlive the session it
    /// carries. The value in seconds.
    MaxLifetimeShorter(u64),
    /// `max_lifetime` exceeds 400 days: the value in seconds.
    MaxLifetimeTooLong(u64),
    /// `max_lifetime` with the Flask format: the issued-at time it needs would be a key of the
    /// session dict a Flask app reads.
    MaxLifetimeFlask,
    /// `max_size` is zero.
    MaxSize,
    /// `SameSite=None` without `Secure`: browsers reject the cookie.
    SameSiteNoneNeedsSecure,
    /// `Partitioned` without `Secure`: browsers reject the cookie.
    PartitionedNeedsSecure,
    /// A `__Secure-` name without `Secure`.
    SecurePrefixNeedsSecure,
    /// A `__Host-` name without `Secure`.
    HostPrefixNeedsSecure,
    /// A `__Host-` name with a `Domain`.
    HostPrefixWithDomain,
    /// A `__Host-` name with a path other than `/`.
    HostPrefixWithPath,
    /// `encrypted` with the Flask format: Flask could not read the sealed cookie.
    EncryptedFlask,
    /// `accept_signed` without `encrypted`: there is no move to encryption to accept signed
    /// cookies for.
    AcceptSignedWithoutEncrypted,
    /// A JSON key of the session's data that the Flask format keeps for itself (`_permanent`,
    /// `_flashes`): the key ([`key_problem`](crate::key_problem)).
    ReservedKey(S),
    /// The `version` text is not a whole number that fits a `u32`.
    VersionSyntax(S),
    /// `version = 0`: versions start at 1 (an unversioned cookie is version 1).
    VersionZero,
    /// `migrate_from` on a type without a `version` of 2 or more: version 1 is the first, it has
    /// nothing to migrate from.
    MigrateWithoutVersion,
    /// `version` with the Flask format: the version would be a key in Flask's plain session dict.
    VersionedFlask,
    /// The `migrate_from` type's version is not lower than this type's: this type's version,
    /// then the other's. Versions only go up along a chain, which also rules out a cycle.
    VersionNotNewer(u64, u64),
    /// `revocable` with the Flask format: the user's epoch would be a key of the session dict,
    /// which the Flask app would see (and could drop or change).
    RevocableFlask,
    /// `fail_open` without `revocable`: there is no epoch check to fail open.
    FailOpenWithoutRevocable,
}

/// One part of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Fixed text.
    Text(&'static str),
    /// The offending value, in double quotes and escaped.
    Quoted(&'a str),
    /// A number, in decimal.
    Number(u64),
}

impl<S> Problem<S> {
    /// The same problem with its value (if any) passed through `f`.
    fn map<'s, T>(&'s self, f: impl FnOnce(&'s S) -> T) -> Problem<T> {
        match self {
            Problem::Name(name) => Problem::Name(f(name)),
            Problem::Domain(domain, reason) => Problem::Domain(f(domain), reason),
            Problem::Path(path, reason) => Problem::Path(f(path), reason),
            Problem::LifetimeSyntax(text) => Problem::LifetimeSyntax(f(text)),
            Problem::LifetimeZero => Problem::LifetimeZero,
            Problem::LifetimeTooLong(seconds) => Problem::LifetimeTooLong(*seconds),
            Problem::RefreshAfterSyntax(text) => Problem::RefreshAfterSyntax(f(text)),
            Problem::RefreshAfterTooLong(seconds) => Problem::RefreshAfterTooLong(*seconds),
            Problem::MaxLifetimeSyntax(text) => Problem::MaxLifetimeSyntax(f(text)),
            Problem::MaxLifetimeShorter(seconds) => Problem::MaxLifetimeShorter(*seconds),
            Problem::MaxLifetimeTooLong(seconds) => Problem::MaxLifetimeTooLong(*seconds),
            Problem::MaxLifetimeFlask => Problem::MaxLifetimeFlask,
            Problem::MaxSize => Problem::MaxSize,
            Problem::SameSiteNoneNeedsSecure => Problem::SameSiteNoneNeedsSecure,
            Problem::PartitionedNeedsSecure => Problem::PartitionedNeedsSecure,
            Problem::SecurePrefixNeedsSecure => Problem::SecurePrefixNeedsSecure,
            Problem::HostPrefixNeedsSecure => Problem::HostPrefixNeedsSecure,
            Problem::HostPrefixWithDomain => Problem::HostPrefixWithDomain,
            Problem::HostPrefixWithPath => Problem::HostPrefixWithPath,
            Problem::EncryptedFlask => Problem::EncryptedFlask,
            Problem::AcceptSignedWithoutEncrypted => Problem::AcceptSignedWithoutEncrypted,
            Problem::ReservedKey(key) => Problem::ReservedKey(f(key)),
            Problem::VersionSyntax(text) => Problem::VersionSyntax(f(text)),
            Problem::VersionZero => Problem::VersionZero,
            Problem::MigrateWithoutVersion => Problem::MigrateWithoutVersion,
            Problem::VersionedFlask => Problem::VersionedFlask,
            Problem::VersionNotNewer(version, previous) => Problem::VersionNotNewer(*version, *previous),
            Problem::RevocableFlask => Problem::RevocableFlask,
            Problem::FailOpenWithoutRevocable => Problem::FailOpenWithoutRevocable,
        }
    }
}

impl<S: AsRef<str>> Problem<S> {
    /// The same problem, borrowing its value.
    ///
    /// ```
    /// use session_rules::Problem;
    /// let owned: Problem = Problem::Name("a b".to_owned());
    /// assert_eq!(owned.as_borrowed(), Problem::Name("a b"));
    /// ```
    pub fn as_borrowed(&self) -> Problem<&str> {
        self.map(AsRef::as_ref)
    }
}

impl Problem<&str> {
    /// The same problem, owning a copy of its value.
    ///
    /// ```
    /// use session_rules::Problem;
    /// assert_eq!(Problem::Name("a b").into_owned(), Problem::Name("a b".to_owned()));
    /// ```
    pub fn into_owned(self) -> Problem<String> {
        self.map(|value| String::from(*value))
    }
}

impl<'a> Problem<&'a str> {
    /// The message, in at most four pieces: this is where each message is written, and the only
    /// place. [`ConstMessage`] renders them, in const evaluation too, and `Display` shows that.
    pub(crate) const fn pieces(&self) -> [Piece<'a>; 4] {
        use Piece::{Number, Quoted, Text};
        const END: Piece<'static> = Text("");
        match *self {
            Problem::Name(name) => [
                Text("invalid cookie name "),
                Quoted(name),
                Text(": use letters, digits and !#$%&'*+-.^_`|~ only (RFC 6265 token)"),
                END,
            ],
            Problem::Domain(domain, reason) => {
                [Text("invalid cookie domain "), Quoted(domain), Text(": "), Text(reason)]
            }
            Problem::Path(path, reason) => {
                [Text("invalid cookie path "), Quoted(path), Text(": "), Text(reason)]
            }
            Problem::LifetimeSyntax(text) => [
                Text("invalid lifetime "),
                Quoted(text),
                Text(": write e.g. \"31d\", \"12h30m\", \"90s\" or a number of seconds"),
                END,
            ],
            Problem::LifetimeZero => [Text("the lifetime must be at least one second"), END, END, END],
            Problem::LifetimeTooLong(seconds) => [
                Text("a lifetime of "),
                Number(seconds),
                Text(" seconds exceeds 400 days, the most browsers honour"),
                END,
            ],
            Problem::RefreshAfterSyntax(text) => [
                Text("invalid refresh_after "),
                Quoted(text),
                Text(
                    ": write a duration such as \"1h\", a share of the lifetime from \"1%\" to \"99%\", or a number of seconds",
                ),
                END,
            ],
            Problem::RefreshAfterTooLong(seconds) => [
                Text("a refresh_after of "),
                Number(seconds),
                Text(
                    " seconds is not shorter than the lifetime, so a permanent cookie would expire before it is \
                     refreshed: use a shorter one, such as \"20%\" of the lifetime",
                ),
                END,
            ],
            Problem::MaxLifetimeSyntax(text) => [
                Text("invalid max_lifetime "),
                Quoted(text),
                Text(": write e.g. \"30d\", \"12h30m\" or a number of seconds, at least one second"),
                END,
            ],
            Problem::MaxLifetimeShorter(seconds) => [
                Text("a max_lifetime of "),
                Number(seconds),
                Text(
                    " seconds is shorter than the lifetime: the absolute limit must be at least the idle \
                     one; raise `max_lifetime` or lower `lifetime`",
                ),
                END,
            ],
            Problem::MaxLifetimeTooLong(seconds) => [
                Text("a max_lifetime of "),
                Number(seconds),
                Text(" seconds exceeds 400 days, the most browsers honour"),
                END,
            ],
            Problem::MaxLifetimeFlask => [
                Text(
                    "`max_lifetime` cannot be used with `format = \"flask\"`: the issued-at time it needs \
                     would be a key of the session dict a Flask app reads; enforce an absolute timeout \
                     with a login time among your own fields, or remove `format = \"flask\"`",
                ),
                END,
                END,
                END,
            ],
            Problem::MaxSize => {
                [Text("max_size must be at least 1 byte (the default is 4093)"), END, END, END]
            }
            Problem::SameSiteNoneNeedsSecure => [
                Text(
                    "same_site = \"none\" requires `secure`: browsers reject SameSite=None cookies without Secure",
                ),
                END,
                END,
                END,
            ],
            Problem::PartitionedNeedsSecure => [
                Text("`partitioned` requires `secure`: browsers reject Partitioned cookies without Secure"),
                END,
                END,
                END,
            ],
            Problem::SecurePrefixNeedsSecure => [
                Text("a cookie named `__Secure-…` requires `secure`: browsers reject it otherwise"),
                END,
                END,
                END,
            ],
            Problem::HostPrefixNeedsSecure => [
                Text("a cookie named `__Host-…` requires `secure`: browsers reject it otherwise"),
                END,
                END,
                END,
            ],
            Problem::HostPrefixWithDomain => {
                [Text("a cookie named `__Host-…` must not have a domain: remove `domain`"), END, END, END]
            }
            Problem::HostPrefixWithPath => {
                [Text("a cookie named `__Host-…` must have path \"/\": remove `path`"), END, END, END]
            }
            Problem::EncryptedFlask => [
                Text(
                    "`encrypted` cannot be used with `format = \"flask\"`: Flask could not read a sealed \
                     cookie; remove `encrypted` to share sessions with a Flask app, or remove \
                     `format = \"flask\"` to encrypt in the native format",
                ),
                END,
                END,
                END,
            ],
            Problem::AcceptSignedWithoutEncrypted => [
                Text(
                    "`accept_signed` needs `encrypted`: it lets an encrypted session accept (and re-seal) \
                     the signed cookies issued before the move to encryption; add `encrypted`, or remove \
                     `accept_signed`",
                ),
                END,
                END,
                END,
            ],
            Problem::ReservedKey(key) => [
                Text("the JSON key "),
                Quoted(key),
                Text(" is reserved in the Flask format, which keeps "),
                Text(held_under(key)),
            ],
            Problem::VersionSyntax(text) => [
                Text("invalid version "),
                Quoted(text),
                Text(": write a whole number, e.g. `version = 2`"),
                END,
            ],
            Problem::VersionZero => [
                Text(
                    "`version = 0` is not a version: versions start at 1, which is also what a cookie \
                     written before the type had a version is; the next version after that is 2",
                ),
                END,
                END,
                END,
            ],
            Problem::MigrateWithoutVersion => [
                Text(
                    "`migrate_from` needs this type's `version`, 2 or more (an unversioned type is \
                     version 1, the first, which has nothing to migrate from): add e.g. `version = 2`",
                ),
                END,
                END,
                END,
            ],
            Problem::VersionedFlask => [
                Text(
                    "`version` and `migrate_from` cannot be used with `format = \"flask\"`: the version \
                     would be a key in Flask's plain session dict, which the Flask app would see; evolve \
                     the type with `#[serde(default)]` and `#[serde(alias = \"...\")]` instead, which \
                     read the old cookies without a version (docs/guide.md)",
                ),
                END,
                END,
                END,
            ],
            Problem::RevocableFlask => [
                Text(
                    "`revocable` cannot be used with `format = \"flask\"`: the user's epoch would be a key \
                     in Flask's plain session dict, which the Flask app would see (and could drop or \
                     change); use server-side sessions to end a shared session from the server, or \
                     remove `format = \"flask\"` to revoke native or encrypted cookies",
                ),
                END,
                END,
                END,
            ],
            Problem::FailOpenWithoutRevocable => [
                Text(
                    "`fail_open` needs `revocable`: it says whether a revocable session is accepted while \
                     its epoch source is down; add `revocable = \"field\"`, or remove `fail_open`",
                ),
                END,
                END,
                END,
            ],
            Problem::VersionNotNewer(version, previous) => [
                Text(
                    "`migrate_from` must name an older version of the session: give this type a higher \
                     `version` than that type's (versions only go up along `migrate_from`, which also \
                     rules out cycles); this type is version ",
                ),
                Number(version),
                Text(", and its `migrate_from` type is version "),
                Number(previous),
            ],
        }
    }
}

impl<S: AsRef<str> + fmt::Debug> core::error::Error for Problem<S> {}

/// The key of Flask's permanent flag in its session dict (the reserved-key rule, `reserved.rs`).
pub(crate) const PERMANENT: &str = "_permanent";
/// The key of Flask's flash messages in its session dict.
pub(crate) const FLASHES: &str = "_flashes";

/// What Flask keeps under a reserved `key`, and what to do instead: the end of the
/// [`Problem::ReservedKey`] message.
const fn held_under(key: &str) -> &'static str {
    if same(key, PERMANENT) {
        "the permanent flag under it, in the same dict as the session's own keys: rename the field or \
         key (a field can keep its Rust name with `#[serde(rename = \"...\")]`); `set_permanent()` \
         sets the flag"
    } else {
        "the flash messages under it, in the same dict as the session's own keys: rename the field or \
         key (a field can keep its Rust name with `#[serde(rename = \"...\")]`); `flash()` adds a \
         flash message"
    }
}

/// `a == b` (`PartialEq` for `str` is not a `const fn`).
pub(crate) const fn same(a: &str, b: &str) -> bool {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a, b) {
            ([], []) => return true,
            ([x, a_rest @ ..], [y, b_rest @ ..]) if *x == *y => (a, b) = (a_rest, b_rest),
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn owned_and_borrowed_show_the_same() {
        for problem in [
            Problem::Name("a b"),
            Problem::Domain("a;b", "it must not contain `;`, which would end the attribute"),
            Problem::Path("app", "it must start with `/`"),
            Problem::LifetimeSyntax("soon"),
            Problem::LifetimeTooLong(34_646_400),
            Problem::RefreshAfterSyntax("often"),
            Problem::RefreshAfterTooLong(86_400),
            Problem::MaxLifetimeSyntax("forever"),
            Problem::MaxLifetimeShorter(60),
            Problem::MaxLifetimeTooLong(34_646_400),
            Problem::MaxLifetimeFlask,
            Problem::HostPrefixWithPath,
            Problem::EncryptedFlask,
            Problem::AcceptSignedWithoutEncrypted,
            Problem::ReservedKey("_flashes"),
            Problem::RevocableFlask,
            Problem::FailOpenWithoutRevocable,
        ] {
            let owned = problem.into_owned();
            assert_eq!(owned.as_borrowed(), problem);
            assert_eq!(owned.to_string(), problem.to_string());
        }
    }

    #[test]
    fn messages() {
        assert_eq!(
            Problem::Name("my session").to_string(),
            "invalid cookie name \"my session\": use letters, digits and !#$%&'*+-.^_`|~ only (RFC 6265 token)"
        );
        assert_eq!(
            Problem::Domain("example.com:8080", "remove the port: a cookie domain has no `:`").to_string(),
            "invalid cookie domain \"example.com:8080\": remove the port: a cookie domain has no `:`"
        );
        assert_eq!(
            Problem::LifetimeSyntax("3 days").to_string(),
            "invalid lifetime \"3 days\": write e.g. \"31d\", \"12h30m\", \"90s\" or a number of seconds"
        );
        assert_eq!(
            Problem::<&str>::LifetimeTooLong(34_646_400).to_string(),
            "a lifetime of 34646400 seconds exceeds 400 days, the most browsers honour"
        );
        assert_eq!(Problem::<&str>::LifetimeZero.to_string(), "the lifetime must be at least one second");
        assert_eq!(
            Problem::<&str>::HostPrefixWithPath.to_string(),
            "a cookie named `__Host-…` must have path \"/\": remove `path`"
        );
        assert_eq!(
            Problem::ReservedKey("_permanent").to_string(),
            "the JSON key \"_permanent\" is reserved in the Flask format, which keeps the permanent flag \
             under it, in the same dict as the session's own keys: rename the field or key (a field \
             can keep its Rust name with `#[serde(rename = \"...\")]`); `set_permanent()` sets the flag"
        );
    }

    /// `?` turns it into a `Box<dyn Error>`, as the runtime's `ConfigError`.
    #[test]
    fn is_an_error() {
        fn build() -> Result<(), alloc::boxed::Box<dyn core::error::Error>> {
            Err(Problem::<String>::MaxSize)?
        }
        assert_eq!(
            build().unwrap_err().to_string(),
            "max_size must be at least 1 byte (the default is 4093)"
        );
    }
}
