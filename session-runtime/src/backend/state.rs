//! The one per-request state of a session, from open to commit: the backend's open fills it, the
//! typed handle carries it and completes it at save, and the backend's plan reads it.

use super::token::StoreToken;
use crate::config::CookieConfig;
use crate::error::Rejection;

/// Everything a backend and the save decision know of one session during one request.
///
/// [`open_session`](super::SessionInterface::open_session) fills the first group (what the
/// request's cookie and the store gave), the typed handle ([`Tracked`](crate::Tracked)) carries
/// the state through the handler and completes the second group at save, and
/// [`plan_save`](super::SessionInterface::plan_save) reads the whole. Nothing is copied between
/// shapes on the way.
///
/// ```
/// use session_runtime::backend::{Change, Rewrite, SessionState};
/// let mut state = SessionState::default();
/// assert!(state.payload.is_none() && state.rejection.is_none() && !state.null);
/// state.force_rewrite(Rewrite::FallbackKey);
/// state.force_rewrite(Rewrite::Renewal);
/// state.force_rewrite(Rewrite::IssueTime);
/// assert_eq!(state.rewrite, Some(Rewrite::Renewal), "the strongest reason is kept");
/// assert_eq!(state.change, Change::Untouched);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionState {
    // Filled at open.
    /// The accepted incoming payload (envelope JSON), when a cookie (server-side: its record) was
    /// accepted: change detection compares with it, and a refresh re-signs it as it is.
    pub payload: Option<Vec<u8>>,
    /// Why an incoming cookie was refused, when one was.
    pub rejection: Option<Rejection>,
    /// No secret key: the session is readable but will never be saved.
    pub null: bool,
    /// What a server-side backend found at open, handed back at save; `None` for cookie sessions.
    pub token: Option<StoreToken>,
    /// Why the accepted cookie must be written again even if the session does not change: the
    /// strongest reason found at open or during the request ([`force_rewrite`](Self::force_rewrite)).
    pub rewrite: Option<Rewrite>,
    /// The cookie was signed less than the config's `refresh_after` ago: an unchanged permanent
    /// session is not re-sent.
    pub fresh: bool,
    /// When the accepted cookie (server-side: the id cookie) was signed, in Unix seconds.
    pub signed_at: Option<u64>,
    /// Which key of the ring verified the incoming cookie; the typed handle counts it in
    /// [`Keys::verified_counts`](crate::Keys::verified_counts) once it accepts the session, so
    /// refused cookies are not counted.
    pub verified_by: Option<crate::key::VerifiedBy>,
    /// The backend's clock when the session was opened (Unix seconds): what `max_lifetime` is
    /// measured against.
    pub opened_at: Option<u64>,
    /// When the accepted session was issued (its envelope's issue time, or the signing time of an
    /// envelope written before it had one); `None` for a new session and the Flask format.
    pub issued_at: Option<u64>,
    /// What a forced re-write that changes the payload (an issue time added, a migration, an
    /// issue time ahead of this server's clock clamped to it) writes for the data as it was
    /// opened: a save that writes exactly this made no change of its own, whatever the handler
    /// borrowed, so it never fails the request.
    pub rewritten: Option<Vec<u8>>,
    /// A revocable session: its user and the epoch its cookie carries (set at open), or will
    /// carry (set at save, and by "sign out other devices"). `None` when nobody is signed in.
    /// After an open whose epoch was a cache hit the user is empty until the handler first
    /// borrows the data mutably (most requests only read, and need no copy of it).
    pub epoch: Option<crate::epoch::UserEpoch>,

    // Completed at save.
    /// The handler read or wrote the session (drives `Vary: Cookie`).
    pub accessed: bool,
    /// The handler changed the session (borrowed it mutably, or called a method that changes
    /// it). A save with a forced re-write but no change by the handler never fails the request
    /// (a re-written cookie that no longer fits keeps the incoming one).
    pub modified: bool,
    /// The handler emptied the session on purpose (`clear`, `destroy`): a refused cookie of ours
    /// ([`Rejection::cookie_was_ours`](crate::Rejection::cookie_was_ours)) is deleted then, and
    /// only then (the handler of a refused cookie saw an empty session, so "still empty" is no
    /// sign-out).
    pub cleared: bool,
    /// The session is permanent (gets `Expires`, and is refreshed when configured).
    pub permanent: bool,
    /// The handler asked for a new session id (server-side sessions; see
    /// [`Tracked::cycle_id`](crate::Tracked::cycle_id)).
    pub cycle_id: bool,
    /// How the data compares with what came in.
    pub change: Change,
    /// The backend's clock at save, read once per save (Unix seconds): the signing time of the
    /// cookie, the issue time of a new or renewed session and the start of a record's life.
    pub now: Option<u64>,
}

/// How the session data compares with what came in.
///
/// ```
/// use session_runtime::backend::Change;
/// assert_eq!(Change::default(), Change::Untouched);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Change {
    /// Not changed (the data equals [`SessionState::payload`], or was never borrowed mutably).
    #[default]
    Untouched,
    /// Changed; the new payload.
    Changed(Vec<u8>),
    /// Changed, and now equal to the empty state (default data, default permanence, no flashes).
    Emptied,
}

/// Why an accepted cookie is written again although the handler did not change the session.
/// Ordered from the weakest reason to the strongest; a state keeps the strongest it was given.
///
/// ```
/// use session_runtime::backend::Rewrite;
/// assert!(Rewrite::Renewal > Rewrite::FallbackKey);
/// assert_eq!(Rewrite::Migration.as_str(), "migration");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Rewrite {
    /// The cookie verified under a fallback key: re-signed under the current one (rotation that
    /// finishes).
    FallbackKey,
    /// A signed cookie accepted by an encrypted session (`accept_signed`): re-written sealed.
    Sealing,
    /// The envelope was written before it carried its issue time: re-written with it.
    IssueTime,
    /// The data was written by an older version of the session type and migrated.
    Migration,
    /// [`Tracked::renew`](crate::Tracked::renew): the session is issued anew.
    Renewal,
}

impl Rewrite {
    /// Whether the re-written payload differs from the incoming one (an issue time added, data
    /// migrated, a new issue time), so the handle encodes it anew; the other reasons re-sign the
    /// incoming payload as it is.
    ///
    /// ```
    /// use session_runtime::backend::Rewrite;
    /// assert!(Rewrite::IssueTime.changes_payload() && !Rewrite::Sealing.changes_payload());
    /// ```
    pub fn changes_payload(self) -> bool {
        matches!(self, Rewrite::IssueTime | Rewrite::Migration | Rewrite::Renewal)
    }

    /// The reason as logs and tests name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Rewrite::FallbackKey => "fallback key",
            Rewrite::Sealing => "sealing",
            Rewrite::IssueTime => "issue time",
            Rewrite::Migration => "migration",
            Rewrite::Renewal => "renewal",
        }
    }
}

impl SessionState {
    /// A state that only says why the incoming cookie was refused.
    ///
    /// ```
    /// use session_runtime::Rejection;
    /// use session_runtime::backend::SessionState;
    /// assert_eq!(SessionState::rejected(Rejection::Malformed).rejection, Some(Rejection::Malformed));
    /// ```
    pub fn rejected(rejection: Rejection) -> Self {
        SessionState { rejection: Some(rejection), ..SessionState::default() }
    }

    /// Writes the accepted cookie again at save for `reason`, keeping the strongest reason given.
    pub fn force_rewrite(&mut self, reason: Rewrite) {
        self.rewrite = self.rewrite.max(Some(reason));
    }

    /// Whether the session was renewed during the request ([`Rewrite::Renewal`]).
    pub fn renewed(&self) -> bool {
        self.rewrite == Some(Rewrite::Renewal)
    }

    /// The issue time a save writes: the accepted session's, or the save's clock for a new or
    /// renewed session. Never later than the save's clock, which is the cookie's signing time: a
    /// session issued by a server whose clock runs ahead is written, on a server whose clock is
    /// behind, as issued now (its absolute end moves earlier by the skew, never later).
    ///
    /// ```
    /// use session_runtime::backend::{Rewrite, SessionState};
    /// let mut state = SessionState { issued_at: Some(100), now: Some(500), ..SessionState::default() };
    /// assert_eq!(state.issued_for_save(), Some(100));
    /// let ahead = SessionState { issued_at: Some(505), now: Some(500), ..SessionState::default() };
    /// assert_eq!(ahead.issued_for_save(), Some(500), "never after the signing time");
    /// state.force_rewrite(Rewrite::Renewal);
    /// assert_eq!(state.issued_for_save(), Some(500));
    /// ```
    pub fn issued_for_save(&self) -> Option<u64> {
        match (self.issued_at, self.now) {
            (Some(at), now) if !self.renewed() => Some(now.map_or(at, |now| at.min(now))),
            (_, now) => now,
        }
    }

    /// The session's absolute end under `config` (its issue time plus `max_lifetime`, Unix
    /// seconds): no cookie `Expires` and no store expiry reaches past it. `None` without
    /// `max_lifetime`.
    ///
    /// ```
    /// use session_runtime::CookieConfig;
    /// use session_runtime::backend::SessionState;
    /// let config = CookieConfig::builder().lifetime("1h").max_lifetime("1d").build()?;
    /// let state = SessionState { issued_at: Some(1_000), ..SessionState::default() };
    /// assert_eq!(state.ends_at(&config), Some(1_000 + 86_400));
    /// assert_eq!(state.ends_at(&CookieConfig::DEFAULT), None);
    /// # Ok::<(), session_runtime::ConfigError>(())
    /// ```
    pub fn ends_at(&self, config: &CookieConfig) -> Option<u64> {
        let max = config.max_lifetime_secs()?;
        self.issued_for_save()?.checked_add(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_strongest_rewrite_reason_wins_in_any_order() {
        let reasons = [
            Rewrite::FallbackKey,
            Rewrite::Sealing,
            Rewrite::IssueTime,
            Rewrite::Migration,
            Rewrite::Renewal,
        ];
        for first in reasons {
            for second in reasons {
                let mut state = SessionState::default();
                state.force_rewrite(first);
                state.force_rewrite(second);
                assert_eq!(state.rewrite, Some(first.max(second)));
            }
        }
    }

    #[test]
    fn a_renewed_or_new_session_is_issued_at_the_save() {
        let new = SessionState { now: Some(7), ..SessionState::default() };
        assert_eq!(new.issued_for_save(), Some(7));
        let mut old = SessionState { issued_at: Some(3), now: Some(7), ..SessionState::default() };
        assert_eq!(old.issued_for_save(), Some(3));
        old.force_rewrite(Rewrite::Migration);
        assert_eq!(old.issued_for_save(), Some(3), "only a renewal moves the issue time");
        old.force_rewrite(Rewrite::Renewal);
        assert_eq!(old.issued_for_save(), Some(7));
    }

    #[test]
    fn renewal_issues_anew_and_moves_the_end() {
        const NOW: u64 = 1_700_000_000;
        const DAY: u64 = 86_400;
        let config = CookieConfig::builder().lifetime("1d").max_lifetime("30d").build().unwrap();
        let mut state =
            SessionState { issued_at: Some(NOW - 20 * DAY), now: Some(NOW), ..SessionState::default() };
        assert_eq!(state.ends_at(&config), Some(NOW + 10 * DAY));
        state.force_rewrite(Rewrite::Renewal);
        assert_eq!(state.issued_for_save(), Some(NOW));
        assert_eq!(state.ends_at(&config), Some(NOW + 30 * DAY));
        assert_eq!(state.ends_at(&CookieConfig::DEFAULT), None);
    }
}
