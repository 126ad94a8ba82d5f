//! The plan of a server-side save: the save decision taken once, the id cookie rendered, and the
//! store calls listed, all without I/O.

use std::time::Duration;

use super::ServerSideSessionInterface;
use super::id::new_id;
use crate::backend::{
    Change, CookieAction, PlannedCookie, SaveMode, SavePlan, SessionId, SessionState, StoreStep, StoreToken,
    decide,
};
use crate::config::CookieConfig;
use crate::error::{Error, StoreError};

/// What saving `state` does to the store and the cookie.
pub(super) fn plan(
    server: &ServerSideSessionInterface,
    config: &CookieConfig,
    state: &SessionState<'_>,
) -> Result<SavePlan, Error> {
    let action = decide(state, config.refresh_each_request())?;
    let (loaded, unreadable) = match state.token {
        Some(StoreToken::Loaded(id)) => (Some(id), false),
        Some(StoreToken::Unreadable(_)) => (None, true),
        None => (None, false),
    };
    let ttl = Duration::from_secs(config.lifetime_secs());
    let mut plan = SavePlan::new(PlannedCookie::Keep, action.vary);
    let old_user = || server.user_of(state.original);
    match (action.cookie, state.change) {
        (CookieAction::Keep, _) => {
            if let (true, false, Some(old), Some(payload)) =
                (state.cycle_id, state.null, loaded, state.original)
            {
                // A new id for unchanged data.
                let user = old_user();
                rotate(&mut plan, server, config, state.permanent, old, payload, user.clone(), user, ttl)?;
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
                Some(old) if state.cycle_id => {
                    rotate(
                        &mut plan,
                        server,
                        config,
                        state.permanent,
                        old,
                        payload,
                        new_user,
                        old_user,
                        ttl,
                    )?;
                }
                Some(id) => {
                    let line = server.ids.cookie_line(config, state.permanent, id.as_str().as_bytes())?;
                    plan.push(match change {
                        Change::Changed(_) => StoreStep::Save {
                            previous_user: old_user.filter(|old| new_user.as_ref() != Some(old)),
                            id: id.clone(),
                            payload: payload.to_vec(),
                            mode: SaveMode::Update,
                            user: new_user,
                            ttl,
                        },
                        _ => StoreStep::Touch { id: id.clone(), user: old_user, ttl },
                    });
                    plan.set_cookie(PlannedCookie::Set(line));
                }
                None => {
                    let id = SessionId::new(new_id()?);
                    let line = server.ids.cookie_line(config, state.permanent, id.as_str().as_bytes())?;
                    plan.push(StoreStep::Save {
                        id,
                        payload: payload.to_vec(),
                        mode: SaveMode::Create,
                        user: new_user,
                        previous_user: None,
                        ttl,
                    });
                    plan.set_cookie(PlannedCookie::Set(line));
                }
            }
        }
    }
    Ok(plan)
}

/// New id for the same data: create the new entry first, then delete the old one.
#[allow(clippy::too_many_arguments)]
fn rotate(
    plan: &mut SavePlan,
    server: &ServerSideSessionInterface,
    config: &CookieConfig,
    permanent: bool,
    old: &SessionId,
    payload: &[u8],
    user: Option<String>,
    old_user: Option<String>,
    ttl: Duration,
) -> Result<(), Error> {
    let id = SessionId::new(new_id()?);
    plan.set_cookie(PlannedCookie::Set(server.ids.cookie_line(config, permanent, id.as_str().as_bytes())?));
    plan.push(StoreStep::Save {
        id,
        payload: payload.to_vec(),
        mode: SaveMode::Create,
        user,
        previous_user: None,
        ttl,
    });
    plan.push(StoreStep::Delete { id: old.clone(), user: old_user });
    Ok(())
}

impl ServerSideSessionInterface {
    /// The user index key of a payload: the top-level field named by `with_user_index`.
    fn user_of(&self, payload: Option<&[u8]>) -> Option<String> {
        let field = self.user_field.as_deref()?;
        let value: serde_json::Value = serde_json::from_slice(payload?).ok()?;
        match value.get("v")?.get(field)? {
            serde_json::Value::String(user) => Some(user.clone()),
            serde_json::Value::Number(user) => Some(user.to_string()),
            _ => None,
        }
    }
}
