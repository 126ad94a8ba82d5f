//! Flask 3.1.3's `save_session` decision, with this crate's refinements (docs/design.md, "Save
//! decision"), as a pure function that every [`SessionInterface`](super::SessionInterface)
//! plans with.

use super::opening::StoreToken;
use crate::error::Error;

/// What happened to a session during the request, as the save decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionState<'a> {
    /// The handler read or wrote the session (drives `Vary: Cookie`).
    pub accessed: bool,
    /// No secret key: the session can be read but never saved.
    pub null: bool,
    /// The session is permanent (gets `Expires`, and is refreshed when configured).
    pub permanent: bool,
    /// The accepted incoming payload, if a cookie was accepted: a refresh re-signs it without
    /// serializing anything, and a server-side save learns the user it belonged to.
    pub original: Option<&'a [u8]>,
    /// How the data compares with what came in.
    pub change: Change<'a>,
    /// What a server-side backend found at open ([`OpenedSession::token`](super::OpenedSession::token)).
    pub token: Option<&'a StoreToken>,
    /// The handler asked for a new session id (server-side sessions; see
    /// [`Tracked::cycle_id`](crate::Tracked::cycle_id)).
    pub cycle_id: bool,
    /// The accepted cookie must be written again even if unchanged
    /// ([`OpenedSession::rewrite`](super::OpenedSession::rewrite): a signed cookie accepted by an
    /// encrypted session is re-written sealed on the same response).
    pub rewrite: bool,
    /// The accepted cookie is younger than `refresh_after`: an unchanged permanent session is not
    /// refreshed ([`OpenedSession::fresh`](super::OpenedSession::fresh)).
    pub fresh: bool,
    /// The absolute end of the session (its issued-at plus `max_lifetime`, Unix seconds): no
    /// cookie `Expires` and no store expiry reaches past it. `None` without `max_lifetime`.
    pub ends_at: Option<u64>,
}

/// How the session data compares with what came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change<'a> {
    /// Not changed (the data equals [`SessionState::original`], or was never borrowed mutably).
    Untouched,
    /// Changed; the new payload.
    Changed(&'a [u8]),
    /// Changed, and now equal to the empty state (default data, default permanence, no flashes).
    Emptied,
}

/// What to write to the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveAction<'a> {
    /// Add `Vary: Cookie`.
    pub vary: bool,
    /// What to do with the cookie.
    pub cookie: CookieAction<'a>,
}

/// The cookie part of a [`SaveAction`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieAction<'a> {
    /// Leave the client's cookie alone.
    Keep,
    /// Send a delete cookie.
    Delete,
    /// Sign this payload and send it.
    Set(&'a [u8]),
}

/// The save decision:
///
/// 1. accessed → `Vary: Cookie`;
/// 2. emptied: delete the cookie if one was accepted, else send nothing;
/// 3. set the cookie when it really changed, when it is permanent and `refresh_each_request` (and
///    not younger than `refresh_after`), or
///    when the accepted cookie must be rewritten (`rewrite`: signed, for an encrypted session);
/// 4. every `Set-Cookie` (including the delete) comes with `Vary: Cookie`;
/// 5. a null session is never saved: a real change is the NullSession error.
///
/// ```
/// use session_runtime::backend::{decide, Change, CookieAction, SessionState};
/// let state = SessionState {
///     accessed: false, null: false, permanent: true, original: Some(b"{}"),
///     change: Change::Untouched, token: None, cycle_id: false, rewrite: false, fresh: false,
///     ends_at: None,
/// };
/// let action = decide(&state, true).unwrap();
/// assert_eq!(action.cookie, CookieAction::Set(b"{}"));
/// assert!(action.vary, "a refreshed cookie always carries Vary (CVE-2023-30861)");
/// ```
pub fn decide<'a>(state: &SessionState<'a>, refresh_each_request: bool) -> Result<SaveAction<'a>, Error> {
    let cookie = match state.change {
        Change::Changed(_) if state.null => return Err(Error::NullSession),
        _ if state.null => CookieAction::Keep,
        Change::Emptied if state.original.is_some() => CookieAction::Delete,
        Change::Emptied => CookieAction::Keep,
        Change::Changed(payload) => CookieAction::Set(payload),
        Change::Untouched => match state.original {
            Some(payload) if state.rewrite || (state.permanent && refresh_each_request && !state.fresh) => {
                CookieAction::Set(payload)
            }
            _ => CookieAction::Keep,
        },
    };
    let vary = state.accessed || cookie != CookieAction::Keep;
    Ok(SaveAction { vary, cookie })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(change: Change<'static>) -> SessionState<'static> {
        SessionState {
            accessed: false,
            null: false,
            permanent: false,
            original: Some(b"p"),
            change,
            token: None,
            cycle_id: false,
            rewrite: false,
            fresh: false,
            ends_at: None,
        }
    }

    #[test]
    fn the_four_permanent_refresh_combinations() {
        let untouched = Change::Untouched;
        for (permanent, refresh, sets) in
            [(false, false, false), (false, true, false), (true, false, false), (true, true, true)]
        {
            let action = decide(&SessionState { permanent, ..state(untouched) }, refresh).unwrap();
            assert_eq!(action.cookie != CookieAction::Keep, sets, "permanent={permanent} refresh={refresh}");
            assert_eq!(action.vary, sets);
        }
    }

    #[test]
    fn emptied_deletes_only_an_accepted_cookie() {
        assert_eq!(
            decide(&state(Change::Emptied), true).unwrap(),
            SaveAction { vary: true, cookie: CookieAction::Delete }
        );
        let anonymous = SessionState { original: None, ..state(Change::Emptied) };
        assert_eq!(decide(&anonymous, true).unwrap(), SaveAction { vary: false, cookie: CookieAction::Keep });
    }

    #[test]
    fn null_sessions_are_never_saved() {
        let null = |change| SessionState { null: true, original: None, accessed: true, ..state(change) };
        assert!(matches!(decide(&null(Change::Changed(b"x")), true), Err(Error::NullSession)));
        assert_eq!(
            decide(&null(Change::Emptied), true).unwrap(),
            SaveAction { vary: true, cookie: CookieAction::Keep }
        );
        assert_eq!(
            decide(&null(Change::Untouched), true).unwrap(),
            SaveAction { vary: true, cookie: CookieAction::Keep }
        );
    }

    /// `decide` is public: a custom interface may hand it any state. A null session keeps the
    /// client's cookie whatever the state says: it deletes nothing and refreshes nothing.
    #[test]
    fn null_sessions_never_delete_or_refresh() {
        let null = |change| SessionState { null: true, permanent: true, ..state(change) };
        for change in [Change::Emptied, Change::Untouched] {
            assert_eq!(
                decide(&null(change), true).unwrap(),
                SaveAction { vary: false, cookie: CookieAction::Keep },
                "{change:?}"
            );
        }
    }

    /// A cookie to rewrite (signed, accepted by an encrypted session) is set again whatever the
    /// permanence and refresh settings; an emptied one is still deleted, never renewed.
    #[test]
    fn a_cookie_to_rewrite_is_set_even_if_untouched() {
        let untouched = Change::Untouched;
        for (permanent, refresh) in [(false, false), (false, true), (true, false), (true, true)] {
            let rewrite = SessionState { permanent, rewrite: true, ..state(untouched) };
            assert_eq!(
                decide(&rewrite, refresh).unwrap(),
                SaveAction { vary: true, cookie: CookieAction::Set(b"p") },
                "permanent={permanent} refresh={refresh}"
            );
        }
        let emptied = SessionState { rewrite: true, ..state(Change::Emptied) };
        assert_eq!(decide(&emptied, true).unwrap().cookie, CookieAction::Delete);
        let null = SessionState { rewrite: true, null: true, ..state(untouched) };
        assert_eq!(decide(&null, true).unwrap().cookie, CookieAction::Keep);
    }

    /// A permanent session's cookie younger than `refresh_after` is not refreshed; a change, a
    /// rewrite or a delete still goes out.
    #[test]
    fn a_fresh_cookie_is_not_refreshed() {
        let fresh = SessionState { permanent: true, fresh: true, ..state(Change::Untouched) };
        assert_eq!(decide(&fresh, true).unwrap(), SaveAction { vary: false, cookie: CookieAction::Keep });
        let changed = SessionState { change: Change::Changed(b"q"), ..fresh };
        assert_eq!(decide(&changed, true).unwrap().cookie, CookieAction::Set(b"q"));
        let rewrite = SessionState { rewrite: true, ..fresh };
        assert_eq!(decide(&rewrite, true).unwrap().cookie, CookieAction::Set(b"p"));
        let emptied = SessionState { change: Change::Emptied, ..fresh };
        assert_eq!(decide(&emptied, true).unwrap().cookie, CookieAction::Delete);
    }

    #[test]
    fn accessed_alone_gives_vary() {
        let read = SessionState { accessed: true, ..state(Change::Untouched) };
        assert_eq!(decide(&read, true).unwrap(), SaveAction { vary: true, cookie: CookieAction::Keep });
    }
}
