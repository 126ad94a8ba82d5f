//! The conflict policy of server-side saves, chosen by the session type.

/// What a server-side save does when another request changed the same field of the session
/// between this request's open and its save. Fields only one of them changed are always merged.
///
/// The session type chooses it (`#[session(on_conflict = "reject")]`, or the config builder's
/// [`on_conflict`](crate::CookieConfigBuilder::on_conflict)); a backend may override it for every
/// type ([`ServerSideSessionInterface::on_conflict`](crate::ServerSideSessionInterface::on_conflict)).
/// Signed-cookie sessions have no record to conflict over and ignore it.
///
/// ```
/// use session_runtime::{ConflictPolicy, CookieConfig};
/// let config = CookieConfig::builder().on_conflict(ConflictPolicy::Reject).build()?;
/// assert_eq!(config.on_conflict(), ConflictPolicy::Reject);
/// assert_eq!(CookieConfig::DEFAULT.on_conflict(), ConflictPolicy::LastWrite);
/// # Ok::<(), session_runtime::ConfigError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConflictPolicy {
    /// This request's value wins (the later save), as without compare-and-set, but only for the
    /// fields both changed.
    #[default]
    LastWrite,
    /// The save fails with [`Error::Conflict`](crate::Error::Conflict) naming the field; layers answer `409 Conflict`,
    /// and the handler may retry.
    Reject,
}
