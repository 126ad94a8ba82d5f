//! A session's final state, detached from its handle: what `save`, `save_async` and the layers
//! hand the backend to plan and commit.

use crate::backend::{Change, Committing, ConfigRef, InterfaceRef, SessionState, StoreToken};

/// A session's final state, serialized and detached from its handle: what the backend plans and
/// commits, the same way for the synchronous `save`, `save_async` and the framework layers.
pub(crate) struct Prepared {
    pub(super) interface: InterfaceRef,
    pub(super) config: ConfigRef,
    pub(super) accessed: bool,
    pub(super) null: bool,
    pub(super) permanent: bool,
    pub(super) original: Option<Vec<u8>>,
    pub(super) change: PreparedChange,
    pub(super) token: Option<StoreToken>,
    pub(super) rewrite: bool,
    pub(super) fresh: bool,
    pub(super) cycle: bool,
    pub(super) ends_at: Option<u64>,
}

pub(super) enum PreparedChange {
    Untouched,
    Changed(Vec<u8>),
    Emptied,
}

impl Prepared {
    fn state(&self) -> SessionState<'_> {
        SessionState {
            accessed: self.accessed,
            null: self.null,
            permanent: self.permanent,
            original: self.original.as_deref(),
            change: match &self.change {
                PreparedChange::Untouched => Change::Untouched,
                PreparedChange::Changed(payload) => Change::Changed(payload),
                PreparedChange::Emptied => Change::Emptied,
            },
            token: self.token.as_ref(),
            cycle_id: self.cycle,
            rewrite: self.rewrite,
            fresh: self.fresh,
            ends_at: self.ends_at,
        }
    }

    /// Plans the save (the decision, once) and starts its commit: ready at once for cookie
    /// sessions, waiting for the store's calls for server-side ones.
    pub(crate) fn commit(&self) -> Committing<'_> {
        let (interface, config) = (self.interface.get(), self.config.get());
        match interface.plan_save(config, &self.state()) {
            Ok(plan) => interface.commit_save(config, plan),
            Err(error) => Committing::ready(Err(error)),
        }
    }
}
