//! Flask 3.1.3's `save_session` decision, with this crate's refinements (docs/design.md, "Save
//! decision"), as a pure function that every [`SessionInterface`](super::SessionInterface)
//! plans with.

use super::state::{Change, SessionState};
use crate::error::{Error, Rejection};

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
/// 2. emptied: delete the cookie if one was accepted, or one of ours was refused
///    ([`Rejection::cookie_was_ours`]), else send nothing;
/// 3. set the cookie when it really changed, when it is permanent and `refresh_each_request` (and
///    not younger than `refresh_after`), or
///    when the accepted cookie must be written again ([`SessionState::rewrite`]);
/// 4. every `Set-Cookie` (including the delete) comes with `Vary: Cookie`;
/// 5. a null session is never saved: a real change is the NullSession error.
///
/// ```
/// use session_runtime::backend::{decide, CookieAction, SessionState};
/// let state = SessionState { permanent: true, payload: Some(b"{}".to_vec()), ..SessionState::default() };
/// let action = decide(&state, true).unwrap();
/// assert_eq!(action.cookie, CookieAction::Set(b"{}"));
/// assert!(action.vary, "a refreshed cookie always carries Vary (CVE-2023-30861)");
/// ```
pub fn decide(state: &SessionState, refresh_each_request: bool) -> Result<SaveAction<'_>, Error> {
    let cookie = match &state.change {
        Change::Changed(_) if state.null => return Err(Error::NullSession),
        _ if state.null => CookieAction::Keep,
        // An emptied session deletes the cookie the client had: an accepted one, or one of ours
        // that was refused (expired by this server's clock, a newer version's).
        Change::Emptied
            if state.payload.is_some() || state.rejection.is_some_and(Rejection::cookie_was_ours) =>
        {
            CookieAction::Delete
        }
        Change::Emptied => CookieAction::Keep,
        Change::Changed(payload) => CookieAction::Set(payload),
        // A payload kept although refused (a newer version's, which this server cannot read) is
        // left as it is: neither refreshed nor re-written unless the handler changed it.
        Change::Untouched => match &state.payload {
            Some(payload)
                if state.rejection.is_none()
                    && (state.rewrite.is_some()
                        || (state.permanent && refresh_each_request && !state.fresh)) =>
            {
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
    use crate::backend::Rewrite;

    fn state(change: Change) -> SessionState {
        SessionState { payload: Some(b"p".to_vec()), change, ..SessionState::default() }
    }

    #[test]
    fn the_four_permanent_refresh_combinations() {
        for (permanent, refresh, sets) in
            [(false, false, false), (false, true, false), (true, false, false), (true, true, true)]
        {
            let state = SessionState { permanent, ..state(Change::Untouched) };
            let action = decide(&state, refresh).unwrap();
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
        let anonymous = SessionState { payload: None, ..state(Change::Emptied) };
        assert_eq!(decide(&anonymous, true).unwrap(), SaveAction { vary: false, cookie: CookieAction::Keep });
    }

    #[test]
    fn null_sessions_are_never_saved() {
        let null = |change| SessionState { null: true, payload: None, accessed: true, ..state(change) };
        assert!(matches!(decide(&null(Change::Changed(b"x".to_vec())), true), Err(Error::NullSession)));
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
                decide(&null(change.clone()), true).unwrap(),
                SaveAction { vary: false, cookie: CookieAction::Keep },
                "{change:?}"
            );
        }
    }

    /// A cookie to rewrite (signed, accepted by an encrypted session) is set again whatever the
    /// permanence and refresh settings; an emptied one is still deleted, never renewed.
    #[test]
    fn a_cookie_to_rewrite_is_set_even_if_untouched() {
        for (permanent, refresh) in [(false, false), (false, true), (true, false), (true, true)] {
            let rewrite =
                SessionState { permanent, rewrite: Some(Rewrite::Sealing), ..state(Change::Untouched) };
            assert_eq!(
                decide(&rewrite, refresh).unwrap(),
                SaveAction { vary: true, cookie: CookieAction::Set(b"p") },
                "permanent={permanent} refresh={refresh}"
            );
        }
        let emptied = SessionState { rewrite: Some(Rewrite::Sealing), ..state(Change::Emptied) };
        assert_eq!(decide(&emptied, true).unwrap().cookie, CookieAction::Delete);
        let null = SessionState { rewrite: Some(Rewrite::Sealing), null: true, ..state(Change::Untouched) };
        assert_eq!(decide(&null, true).unwrap().cookie, CookieAction::Keep);
    }

    /// A permanent session's cookie younger than `refresh_after` is not refreshed; a change, a
    /// rewrite or a delete still goes out.
    #[test]
    fn a_fresh_cookie_is_not_refreshed() {
        let fresh = SessionState { permanent: true, fresh: true, ..state(Change::Untouched) };
        assert_eq!(decide(&fresh, true).unwrap(), SaveAction { vary: false, cookie: CookieAction::Keep });
        let changed = SessionState { change: Change::Changed(b"q".to_vec()), ..fresh.clone() };
        assert_eq!(decide(&changed, true).unwrap().cookie, CookieAction::Set(b"q"));
        let rewrite = SessionState { rewrite: Some(Rewrite::FallbackKey), ..fresh.clone() };
        assert_eq!(decide(&rewrite, true).unwrap().cookie, CookieAction::Set(b"p"));
        let emptied = SessionState { change: Change::Emptied, ..fresh };
        assert_eq!(decide(&emptied, true).unwrap().cookie, CookieAction::Delete);
    }

    /// A newer version's cookie, kept as the incoming payload so that emptying it deletes it, is
    /// never refreshed or re-signed by a server that cannot read it.
    #[test]
    fn a_refused_payload_is_never_refreshed() {
        let newer = SessionState {
            permanent: true,
            rewrite: Some(Rewrite::FallbackKey),
            rejection: Some(crate::error::Rejection::NewerVersion),
            ..state(Change::Untouched)
        };
        assert_eq!(decide(&newer, true).unwrap().cookie, CookieAction::Keep);
        let emptied = SessionState { change: Change::Emptied, ..newer.clone() };
        assert_eq!(decide(&emptied, true).unwrap().cookie, CookieAction::Delete);
        let changed = SessionState { change: Change::Changed(b"q".to_vec()), ..newer };
        assert_eq!(decide(&changed, true).unwrap().cookie, CookieAction::Set(b"q"));
    }

    #[test]
    fn accessed_alone_gives_vary() {
        let read = SessionState { accessed: true, ..state(Change::Untouched) };
        assert_eq!(decide(&read, true).unwrap(), SaveAction { vary: true, cookie: CookieAction::Keep });
    }
}
