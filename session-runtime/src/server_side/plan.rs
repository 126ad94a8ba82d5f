//! The plan of a server-side save: the save decision taken once, the id cookie rendered, and the
//! store calls listed, all without I/O.

use std::time::Duration;

use super::ServerSideSessionInterface;
use super::id::new_id;
use crate::backend::{
    Change, CookieAction, PlannedCookie, SaveAction, SaveMode, SavePlan, SessionId, SessionState, StoreStep,
    StoreToken, StoreWrite, decide,
};
use crate::config::CookieConfig;
use crate::envelope::json::EnvelopeJson;
use crate::error::{Error, StoreError};
use crate::secure_cookie::remaining;

/// What saving `state` does to the store and the cookie.
pub(super) fn plan(
    server: &ServerSideSessionInterface,
    config: &CookieConfig,
    state: &SessionState,
) -> Result<SavePlan, Error> {
    let action = decide(state, config.refresh_each_request())?;
    let (loaded, unreadable) = match &state.token {
        Some(StoreToken::Loaded(id)) => (Some(id), false),
        Some(StoreToken::Unreadable(_)) => (None, true),
        Some(StoreToken::Moved(_)) | None => (None, false),
    };
    // A record never outlives the session's absolute end (`max_lifetime`).
    let ttl = match state.ends_at(config) {
        Some(ends_at) => {
            let now = server.ids.save_time(state)?;
            Duration::from_secs(remaining(config.lifetime_secs(), Some(ends_at), now))
        }
        None => Duration::from_secs(config.lifetime_secs()),
    };
    if let Some(StoreToken::Moved(old)) = &state.token {
        return moved_away(server, config, state, old, action, ttl);
    }
    let mut plan = SavePlan::new(PlannedCookie::Keep, action.vary);
    let original = state.payload.as_deref();
    let old_user = || server.user_of(original);
    match (action.cookie, &state.change) {
        (CookieAction::Keep, _) => {
            if let (true, false, Some(old), Some(payload)) = (state.cycle_id, state.null, loaded, original) {
                // A new id for unchanged data (after `destroy()`: data the handler wrote back).
                let user = old_user();
                if state.cleared {
                    restart(&mut plan, server, config, state, (old, user.clone()), payload, user, ttl)?;
                } else {
                    let rotation = Rotation { old, original, user: user.clone(), old_user: user };
                    rotate(&mut plan, server, config, state, rotation, payload, ttl)?;
                }
            }
        }
        (_, Change::Changed(_)) if unreadable => {
            return Err(Error::Store(StoreError::Unavailable(
                "the session could not be read when the request began, so it is not overwritten".into(),
            )));
        }
        (CookieAction::Delete, _) => {
            if let Some(id) = loaded {
                plan.push(StoreStep::Delete { id: id.clone(), user: old_user() });
            }
            plan.set_cookie(PlannedCookie::Delete);
        }
        (CookieAction::Set(payload), change) => {
            let old_user = old_user();
            let new_user = match change {
                Change::Changed(_) => server.user_of(Some(payload)),
                _ => old_user.clone(),
            };
            match loaded {
                Some(old) if state.cycle_id && state.cleared => {
                    restart(&mut plan, server, config, state, (old, old_user), payload, new_user, ttl)?;
                }
                Some(old) if state.cycle_id => {
                    let rotation = Rotation { old, original, user: new_user, old_user };
                    rotate(&mut plan, server, config, state, rotation, payload, ttl)?;
                }
                Some(id) => {
                    let line = server.ids.cookie_line(config, state, id.as_str().as_bytes())?;
                    plan.push(match change {
                        Change::Changed(_) => StoreStep::Save(StoreWrite {
                            previous_user: old_user.filter(|old| new_user.as_ref() != Some(old)),
                            id: id.clone(),
                            payload: payload.to_vec(),
                            mode: SaveMode::Update,
                            user: new_user,
                            ttl,
                            expected: server.expected(original),
                            replaces: None,
                        }),
                        _ => StoreStep::Touch { id: id.clone(), user: old_user, ttl },
                    });
                    plan.set_cookie(PlannedCookie::Set(line));
                }
                None => {
                    let id = SessionId::new(new_id()?);
                    let line = server.ids.cookie_line(config, state, id.as_str().as_bytes())?;
                    plan.push(StoreStep::Save(StoreWrite {
                        id,
                        payload: payload.to_vec(),
                        mode: SaveMode::Create,
                        user: new_user,
                        previous_user: None,
                        ttl,
                        expected: None,
                        replaces: None,
                    }));
                    plan.set_cookie(PlannedCookie::Set(line));
                }
            }
        }
    }
    Ok(plan)
}

/// The save of a request whose id another request rotated away before this one opened it (a
/// tab that sent the old cookie while a sign-in ran): it never sets a cookie for the old id nor
/// creates a session that would replace the client's new cookie (signing the user out), and
/// its write is refused with [`Error::Rotated`], a write after `clear()` included. A sign-out
/// (`destroy()`, or `clear()` with nothing written after it) still ends the session the id
/// became (the store's delete follows the forwarding entry) and deletes the cookie; a write
/// after `destroy()` starts the new anonymous session from the handler's data, as always.
fn moved_away(
    server: &ServerSideSessionInterface,
    config: &CookieConfig,
    state: &SessionState,
    old: &SessionId,
    action: SaveAction<'_>,
    ttl: Duration,
) -> Result<SavePlan, Error> {
    let mut plan = SavePlan::new(PlannedCookie::Keep, action.vary);
    if state.cleared {
        match action.cookie {
            CookieAction::Set(payload) if state.cycle_id => {
                let user = server.user_of(Some(payload));
                restart(&mut plan, server, config, state, (old, None), payload, user, ttl)?;
            }
            // Data written after `clear()` (no new id asked for): a write like any other, refused
            // rather than dropped under a delete cookie, and never one that ends the session the
            // id became (only a sign-out does).
            CookieAction::Set(_) => return Err(Error::Rotated),
            _ => {
                plan.push(StoreStep::Delete { id: old.clone(), user: None });
                plan.set_cookie(PlannedCookie::Delete);
            }
        }
        return Ok(plan);
    }
    match state.change {
        Change::Changed(_) => Err(Error::Rotated),
        _ => Ok(plan),
    }
}

/// An id rotation: the id and record this request opened, and the user before and after.
struct Rotation<'a> {
    old: &'a SessionId,
    original: Option<&'a [u8]>,
    user: Option<String>,
    old_user: Option<String>,
}

/// A new id for the data: the new record is created, and the old one deleted, in one atomic
/// step that needs the old one to still exist, so a session destroyed meanwhile stays destroyed
/// and two rotations of one session never make two.
fn rotate(
    plan: &mut SavePlan,
    server: &ServerSideSessionInterface,
    config: &CookieConfig,
    state: &SessionState,
    rotation: Rotation<'_>,
    payload: &[u8],
    ttl: Duration,
) -> Result<(), Error> {
    let id = SessionId::new(new_id()?);
    plan.set_cookie(PlannedCookie::Set(server.ids.cookie_line(config, state, id.as_str().as_bytes())?));
    plan.push(StoreStep::Save(StoreWrite {
        id,
        payload: payload.to_vec(),
        mode: SaveMode::Create,
        user: rotation.user,
        previous_user: rotation.old_user,
        ttl,
        expected: server.expected(rotation.original),
        replaces: Some(rotation.old.clone()),
    }));
    Ok(())
}

/// `destroy()` and then a write (a "signed out" flash): the old session is deleted (following
/// its rotations, as any sign-out), and the handler's data starts a new session under a new id,
/// created from that data alone. Not a rotation: a rotation compares with the record this
/// request opened and merges onto the newer one, which would carry the signed-in session's
/// concurrent changes into the signed-out one. Two store calls, only on this path.
#[allow(clippy::too_many_arguments)] // the plan's inputs, as `rotate` takes them
fn restart(
    plan: &mut SavePlan,
    server: &ServerSideSessionInterface,
    config: &CookieConfig,
    state: &SessionState,
    (old, old_user): (&SessionId, Option<String>),
    payload: &[u8],
    user: Option<String>,
    ttl: Duration,
) -> Result<(), Error> {
    plan.push(StoreStep::Delete { id: old.clone(), user: old_user });
    let id = SessionId::new(new_id()?);
    plan.set_cookie(PlannedCookie::Set(server.ids.cookie_line(config, state, id.as_str().as_bytes())?));
    plan.push(StoreStep::Save(StoreWrite {
        id,
        payload: payload.to_vec(),
        mode: SaveMode::Create,
        user,
        previous_user: None,
        ttl,
        expected: None,
        replaces: None,
    }));
    Ok(())
}

impl ServerSideSessionInterface {
    /// What a write compares the record with: the payload this request opened, unless
    /// compare-and-set is switched off (a test-only switch that shows the updates it saves).
    fn expected(&self, original: Option<&[u8]>) -> Option<Vec<u8>> {
        original.filter(|_| self.compare_and_set).map(<[u8]>::to_vec)
    }

    /// The user index key of a payload: the top-level field named by `with_user_index`.
    pub(super) fn user_of(&self, payload: Option<&[u8]>) -> Option<String> {
        let field = self.user_field.as_deref()?;
        let envelope = EnvelopeJson::parse(payload?).ok()?;
        match envelope.data_field(field)? {
            serde_json::Value::String(user) => Some(user.clone()),
            serde_json::Value::Number(user) => Some(user.to_string()),
            _ => None,
        }
    }
}
