//! How the state a backend opened becomes a typed handle: the payload decoded into the session
//! type, the issue time checked, the version migrated, a revocable session's epoch checked
//! (awaited by async callers), the refusal logged and a forced re-write prepared.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::ConfigRef;
use crate::backend::{InterfaceRef, Rewrite, SessionState};
use crate::envelope::{self, issued};
use crate::error::Rejection;
use crate::tracked::Tracked;

/// An opened session whose epoch missed the cache: its state, the lookup to await, and the
/// backend and config to finish the open with.
pub(crate) struct AwaitingEpoch {
    state: SessionState,
    lookup: crate::epoch::check::Lookup,
    interface: InterfaceRef,
    config: ConfigRef,
}

impl AwaitingEpoch {
    /// Awaits the epoch source and finishes the open with its answer.
    pub(crate) async fn finish<T: Serialize + DeserializeOwned + Default>(self: Box<Self>) -> Tracked<T> {
        let AwaitingEpoch { state, lookup, interface, config } = *self;
        let answer = lookup.run().await;
        Tracked::from_opened_with(state, interface, config, Some(answer))
    }
}

impl<T: Serialize + DeserializeOwned + Default> Tracked<T> {
    /// The handle of the session `state` the backend opened: the payload decoded into `T`, the
    /// issue time checked, the version migrated, a revocable session's epoch checked (a source
    /// that would wait is unavailable here: [`from_opened_or_awaiting`](Self::from_opened_or_awaiting)
    /// lets an async caller await it).
    pub(crate) fn from_opened(state: SessionState, interface: InterfaceRef, config: ConfigRef) -> Self {
        Self::from_opened_with(state, interface, config, None)
    }

    /// [`from_opened`](Self::from_opened) when nothing is left to await; else (a revocable
    /// session whose epoch missed the cache, once per user and cache time) what is left to do
    /// once its epoch source answered: [`AwaitingEpoch::finish`]. The data is decoded once; on a
    /// miss it is dropped before the source is awaited and decoded again after it answered, so
    /// the awaiting future holds no `T` and is `Send` whatever `T` is.
    ///
    /// Not an `async fn`: callers match in their own future and box the rare wait
    /// (`Box::pin(awaiting.finish()).await`), so a ready open moves no nested future and its
    /// handle through one more layer.
    pub(crate) fn from_opened_or_awaiting(
        state: SessionState,
        interface: InterfaceRef,
        config: ConfigRef,
    ) -> Result<Self, Box<AwaitingEpoch>> {
        match Self::decode_opened(state, interface, config) {
            (session, None) => Ok(session.settle_opened()),
            (session, Some(lookup)) => {
                let (state, lookup, interface, config) = session.into_undecoded(lookup);
                Err(Box::new(AwaitingEpoch { state, lookup, interface, config }))
            }
        }
    }

    /// A session whose epoch lookup missed the cache, back to the state it was opened from (the
    /// decode overwrites what it set; the key it was verified by is counted already), with the
    /// lookup and its backend and config; its data is dropped.
    fn into_undecoded(
        mut self,
        lookup: crate::epoch::check::Lookup,
    ) -> (SessionState, crate::epoch::check::Lookup, InterfaceRef, ConfigRef) {
        let state = std::mem::take(&mut self.state);
        (state, lookup, self.interface.clone(), self.config.clone())
    }

    /// The open, with the source's `answer` when the caller already awaited it (a lookup still
    /// needed otherwise is asked without waiting).
    fn from_opened_with(
        state: SessionState,
        interface: InterfaceRef,
        config: ConfigRef,
        answer: Option<Result<u64, crate::error::StoreError>>,
    ) -> Self {
        let (mut session, lookup) = Self::decode_opened(state, interface, config);
        if let Some(lookup) = lookup {
            session.finish_epoch_check(answer.unwrap_or_else(|| lookup.now()));
        }
        session.settle_opened()
    }

    /// The opened session decoded and its issue time checked, and the epoch lookup it still needs.
    fn decode_opened(
        state: SessionState,
        interface: InterfaceRef,
        config: ConfigRef,
    ) -> (Self, Option<crate::epoch::check::Lookup>) {
        let mut session = Tracked::new_opened(state, interface, config);
        let state = &mut session.state;
        let config = session.config.get();
        state.permanent = config.permanent();
        state.opened_at = state.opened_at.or_else(|| session.interface.get().now());
        let skew = session.interface.get().future_skew();
        let mut carried_epoch = None;
        if let Some(payload) = &mut state.payload {
            let decoded = envelope::decode::<T>(config.format(), config.schema(), payload);
            let accepted = decoded.and_then(|decoded| {
                issued::accept(decoded.issued_at, state.signed_at, state.opened_at, skew, config)
                    .map(|accepted| (decoded, accepted))
            });
            match accepted {
                Ok((decoded, accepted)) => {
                    // Counted only now that the session is accepted (`Keys::verified_counts`).
                    if let Some(key) = state.verified_by.take() {
                        key.count();
                    }
                    session.data = decoded.data;
                    session.flashes = decoded.flashes;
                    carried_epoch = decoded.epoch;
                    state.permanent = decoded.permanent;
                    state.issued_at = accepted.at;
                    if accepted.upgrade {
                        state.force_rewrite(Rewrite::IssueTime);
                    }
                    if decoded.migrated {
                        // Written again at save, in this version, whatever the handler does.
                        crate::log::migrated(config.name(), config.schema().version());
                        state.force_rewrite(Rewrite::Migration);
                    }
                }
                Err(rejection) => {
                    // A newer version's payload verified: it stays the incoming payload, so that
                    // emptying the session deletes its cookie and a change replaces it (this
                    // server cannot read its data: the handler sees an empty session).
                    if rejection != Rejection::NewerVersion {
                        state.payload = None;
                    }
                    state.rejection = Some(rejection);
                    // A session past its absolute end is not continued under its old id: the
                    // record expires at that end by itself, and a new session gets a new id.
                    if rejection == Rejection::SessionTooOld {
                        state.token = None;
                    }
                }
            }
        }
        let lookup = session.start_epoch_check(carried_epoch);
        (session, lookup)
    }

    /// Logs a refusal and prepares a forced re-write: the last step of every open.
    fn settle_opened(mut self) -> Self {
        let session = &mut self;
        if let Some(rejection) = session.state.rejection {
            crate::log::rejected(session.config.get().name(), rejection);
        }
        // An issue time ahead of this server's clock is clamped at save: that is no change of the
        // handler's either.
        let ahead =
            matches!((session.state.issued_at, session.state.opened_at), (Some(at), Some(now)) if at > now);
        if session.state.payload.is_some()
            && (ahead || session.state.rewrite.is_some_and(Rewrite::changes_payload))
        {
            // Only on the rare open that must re-write (once per user after a deploy). At the
            // clock of the open, so an issue time ahead of this server's clock is clamped as the
            // save clamps it (a save in a later second than its open may still differ).
            session.state.now = session.state.opened_at;
            let rewritten = session.encode().ok();
            session.state.rewritten = rewritten;
            session.state.now = None;
        }
        self
    }
}
