//! The commit of a server-side save: the plan's store calls in order, each under the backend's
//! timeout, then the outcome; and what a load gives the opening.

use super::ServerSideSessionInterface;
use crate::backend::poll::deadline;
use crate::backend::{
    Committing, OpenedSession, PlannedCookie, Record, SaveMode, SaveOutcome, SavePlan, SessionId, StoreStep,
    StoreToken,
};
use crate::config::CookieConfig;
use crate::error::{Error, Rejection, StoreError};

/// Runs `plan`'s store calls; a plan without any is ready at once.
pub(super) fn commit<'a>(
    server: &'a ServerSideSessionInterface,
    config: &'a CookieConfig,
    plan: SavePlan,
) -> Committing<'a> {
    let (steps, cookie, vary) = plan.into_parts();
    if steps.is_empty() {
        return Committing::ready(Ok(SaveOutcome::new(cookie, vary, config)));
    }
    Committing::waiting(async move {
        let mut cookie = cookie;
        for step in &steps {
            if !run(server, step).await? {
                // Destroyed or revoked while this request ran: do not bring it back.
                cookie = PlannedCookie::Delete;
                break;
            }
        }
        Ok(SaveOutcome::new(cookie, vary, config))
    })
}

/// One store call; `false` when the record it needed is gone.
async fn run(server: &ServerSideSessionInterface, step: &StoreStep) -> Result<bool, Error> {
    let limit = server.timeout;
    let store = &server.store;
    Ok(match step {
        StoreStep::Save { id, payload, mode, user, previous_user, ttl } => {
            let record = Record::new(id.as_str(), payload, *ttl, *mode)
                .with_user(user.as_deref())
                .with_previous_user(previous_user.as_deref());
            let saved = deadline(limit, store.save(record)).await?;
            if !saved && *mode == SaveMode::Create {
                return Err(Error::Store(StoreError::Backend("a new session id already exists".into())));
            }
            saved
        }
        StoreStep::Touch { id, user, ttl } => {
            deadline(limit, store.touch(id.as_str(), *ttl, user.as_deref())).await?
        }
        StoreStep::Delete { id, user } => {
            deadline(limit, store.delete(id.as_str(), user.as_deref())).await?;
            true
        }
    })
}

/// The opened session for what the store answered about `id`.
pub(super) fn loaded_session(id: SessionId, loaded: Result<Option<Vec<u8>>, StoreError>) -> OpenedSession {
    match loaded {
        Ok(Some(payload)) => OpenedSession {
            payload: Some(payload),
            token: Some(StoreToken::Loaded(id)),
            ..OpenedSession::default()
        },
        Ok(None) => OpenedSession { rejection: Some(Rejection::UnknownSession), ..OpenedSession::default() },
        Err(_) => unreadable(id),
    }
}

/// The session of a verified id whose record could not be read: empty, and marked so that a
/// change to it is never written over the real record.
pub(super) fn unreadable(id: SessionId) -> OpenedSession {
    OpenedSession {
        rejection: Some(Rejection::StoreUnavailable),
        token: Some(StoreToken::Unreadable(id)),
        ..OpenedSession::default()
    }
}
