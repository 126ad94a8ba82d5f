//! The commit of a server-side save: the plan's store calls in order, each under the backend's
//! timeout, then the outcome; and what a load gives the opening.

use super::ServerSideSessionInterface;
use super::backoff::Backoff;
use super::merge::merge;
use crate::backend::poll::deadline;
use crate::backend::{
    Committing, PlannedCookie, Record, SaveOutcome, SavePlan, SaveReport, SessionId, StoreStep, StoreWrite,
    Written,
};
use crate::config::CookieConfig;
use crate::error::{Error, StoreError};
use crate::format::Format;

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
        let mut report = SaveReport::default();
        for step in steps {
            match run(server, config, step).await? {
                Ran::Done => {}
                Ran::Merged => report.merged = true,
                Ran::Gone => {
                    // Destroyed or revoked while this request ran: do not bring it back.
                    cookie = PlannedCookie::Delete;
                    report.ended = true;
                    break;
                }
                Ran::Moved => {
                    // Rotated to a new id by another request (a sign-in): the session lives on
                    // there, and the client holds or is about to get that id's cookie. A delete
                    // (same name) would wipe it, and a refresh of the old id revives nothing.
                    cookie = PlannedCookie::Keep;
                    break;
                }
            }
        }
        Ok(SaveOutcome::new(cookie, vary, config).with_report(report))
    })
}

/// What a store call found.
enum Ran {
    Done,
    /// Written after merging onto a record another request had changed.
    Merged,
    /// The record it needed is gone.
    Gone,
    /// The record it needed was rotated to a new id by another request (a refresh found it so;
    /// a write then fails with [`Error::Rotated`]).
    Moved,
}

/// One store call; a failure is logged.
async fn run(
    server: &ServerSideSessionInterface,
    config: &CookieConfig,
    step: StoreStep,
) -> Result<Ran, Error> {
    run_step(server, config, step).await.inspect_err(|error| {
        if let Error::Store(error) = error {
            crate::log::store_failed(error);
        }
    })
}

async fn run_step(
    server: &ServerSideSessionInterface,
    config: &CookieConfig,
    step: StoreStep,
) -> Result<Ran, Error> {
    let (limit, store) = (server.timeout, &server.store);
    match step {
        StoreStep::Save(write) => run_write(write, server, config).await,
        StoreStep::Touch { id, user, ttl } => {
            let key = id.store_key();
            if deadline(limit, store.touch(key, ttl, user.as_deref())).await? {
                return Ok(Ran::Done);
            }
            Ok(if deadline(limit, store.moved(key)).await? { Ran::Moved } else { Ran::Gone })
        }
        StoreStep::Delete { id, user } => {
            deadline(limit, store.delete(id.store_key(), user.as_deref())).await?;
            Ok(Ran::Done)
        }
    }
}

/// A merged retry of a [`StoreWrite`]: what to write instead, over which record, for whom.
struct Retry {
    payload: Vec<u8>,
    theirs: Vec<u8>,
    user: Option<String>,
    previous_user: Option<String>,
}

/// A record write, compare-and-set against the record the request opened
/// ([`StoreWrite::expected`]), merged and retried on conflict.
async fn run_write(
    write: StoreWrite,
    server: &ServerSideSessionInterface,
    config: &CookieConfig,
) -> Result<Ran, Error> {
    let (limit, store) = (server.timeout, &server.store);
    let (key, replaced) = (write.id.store_key(), write.replaces.as_ref().map(SessionId::store_key));
    // The first try writes the plan's own bytes; only a conflict makes a merged copy.
    let mut retry: Option<Retry> = None;
    // Retried, re-read and merged until the backend's timeout is spent waiting (backoff.rs).
    let mut backoff = Backoff::new(server.timeout);
    loop {
        let record = match &retry {
            None => Record::new(key, &write.payload, write.ttl, write.mode)
                .with_user(write.user.as_deref())
                .with_previous_user(write.previous_user.as_deref())
                .with_expected(write.expected.as_deref()),
            Some(retry) => Record::new(key, &retry.payload, write.ttl, write.mode)
                .with_user(retry.user.as_deref())
                .with_previous_user(retry.previous_user.as_deref())
                .with_expected(Some(&retry.theirs)),
        };
        let record = record.replacing(replaced).extensible(config.format() == Format::Native);
        match deadline(limit, store.save(record)).await? {
            Written::Saved if retry.is_none() => return Ok(Ran::Done),
            Written::Saved => return Ok(Ran::Merged),
            Written::Absent => return Ok(Ran::Gone),
            // Never followed into the new id: a fixated old id must not write there.
            Written::Moved => return Err(Error::Rotated),
            Written::Conflict => {}
        }
        let Some(base) = &write.expected else {
            // Without compare-and-set only a new id can collide (192 random bits: never).
            return Err(Error::Store(StoreError::Backend("a new session id already exists".into())));
        };
        if !backoff.next().await {
            return Err(Error::Conflict { field: None });
        }
        let current = replaced.unwrap_or(key);
        let Some(theirs) = deadline(limit, store.load(current)).await? else {
            // Changed, then gone: rotated away (refused, as above) or ended.
            return if deadline(limit, store.moved(current)).await? {
                Err(Error::Rotated)
            } else {
                Ok(Ran::Gone)
            };
        };
        let policy = server.policy.unwrap_or(config.on_conflict());
        let payload = merge(config.format(), base, &write.payload, &theirs, policy)?;
        let user = server.user_of(Some(&payload));
        let previous_user = server
            .user_of(Some(&theirs))
            .filter(|old| write.replaces.is_some() || Some(old) != user.as_ref());
        retry = Some(Retry { payload, theirs, user, previous_user });
    }
}
