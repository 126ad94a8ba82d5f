//! The per-request scope a layer keeps: sessions opened during the request hand their final
//! state to it when dropped, and the layer saves them all into the response.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use super::configs::TypeConfigs;
use crate::backend::{CookieSink, CookieSource, Finished, InterfaceRef, SaveOutcome, SaveReport};
use crate::error::Error;
use crate::secure_cookie::SecureCookieSessionInterface;
use crate::session::Session;
use crate::tracked::Tracked;

/// A dropped session's final state, serialized (or the error serializing it).
type PendingSave = Result<Finished, Error>;

/// An eager session whose store load is still running; layers await it before the handler.
#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
pub(crate) type EagerOpen = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Starts opening one session type for a request, type-erased (see [`EagerSessions`]).
type Opener = Arc<dyn Fn(&SessionScope, &dyn CookieSource) -> Option<EagerOpen> + Send + Sync>;

/// Session types a layer opens as soon as a request arrives, so a permanent session is refreshed
/// (and gets `Vary: Cookie`) even on routes that never touch it, as Flask does.
#[derive(Clone, Default)]
#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
pub(crate) struct EagerSessions(Vec<Opener>);

#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
impl EagerSessions {
    pub(crate) fn add<T: Session + Send + 'static>(&mut self) {
        self.0.push(Arc::new(|scope: &SessionScope, request: &dyn CookieSource| {
            let config = scope.configs.get::<T>();
            let opening = scope.interface.get().open_session(config.get(), request);
            // A revocable session may have to await its epoch source even when its cookie is
            // ready: it is opened with the other waiting ones.
            let revocable = config.get().revocable().is_some();
            match opening.into_ready() {
                Ok(opened) if !revocable => {
                    scope.keep_eager(Tracked::<T>::from_opened(opened, scope.interface.clone(), config));
                    None
                }
                ready_or_waiting => {
                    let scope = scope.clone();
                    Some(Box::pin(async move {
                        let opened = match ready_or_waiting {
                            Ok(opened) => opened,
                            Err(waiting) => waiting.await,
                        };
                        let interface = scope.interface.clone();
                        let awaiting = match Tracked::<T>::from_opened_or_awaiting(opened, interface, config)
                        {
                            Ok(session) => return scope.keep_eager(session),
                            Err(awaiting) => awaiting,
                        };
                        scope.keep_eager(Box::pin(awaiting.finish::<T>()).await)
                    }) as EagerOpen)
                }
            }
        }));
    }

    /// Starts opening every eager session of the request. Cookie sessions are open when this
    /// returns; a server-side store's loads are returned, to be awaited before the handler runs.
    pub(crate) fn start(&self, scope: &SessionScope, request: &dyn CookieSource) -> Vec<EagerOpen> {
        if !self.0.is_empty() {
            scope.eager().expecting = true;
        }
        self.0.iter().filter_map(|opener| opener(scope, request)).collect()
    }
}

impl fmt::Debug for EagerSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EagerSessions({})", self.0.len())
    }
}

/// The eager sessions of one request.
#[derive(Default)]
struct EagerState {
    /// Sessions opened eagerly and not yet taken by a handler, by type.
    opened: HashMap<TypeId, Box<dyn Any + Send>>,
    /// Types a handler opened itself: an eager opening that finishes later is not kept.
    taken: HashSet<TypeId>,
    /// The layer has eager types, so `taken` is kept.
    expecting: bool,
}

/// One request's sessions, shared between the layer (which saves) and the extractors (which
/// open). Layers put it into the request's extensions; it is cheap to clone.
///
/// ```
/// use session_runtime::{Session, SessionScope, SecureCookieSessionInterface};
/// use std::sync::Arc;
///
/// #[derive(Session, serde::Serialize, serde::Deserialize, Default)]
/// struct Visit { count: u32 }
///
/// let scope = SessionScope::new(Arc::new(SecureCookieSessionInterface::without_keys()));
/// let visit = scope.open::<Visit>(&http::Request::new(()));
/// assert_eq!(visit.count, 0);
/// drop(visit); // handed to the scope
/// let mut response = http::Response::new(());
/// scope.save_into(&mut response).unwrap();
/// ```
#[derive(Clone)]
pub struct SessionScope {
    interface: InterfaceRef,
    /// Configs chosen at run time by the layer, by session type; empty by default.
    configs: TypeConfigs,
    /// The request's sessions, in one allocation (one per request, not two).
    state: Arc<ScopeState>,
}

/// What the handles of one request's scope share.
#[derive(Default)]
struct ScopeState {
    /// The sessions a layer opens eagerly, under one lock.
    eager: Mutex<EagerState>,
    pending: Mutex<Vec<PendingSave>>,
}

impl SessionScope {
    /// A scope whose sessions use `interface`.
    pub fn new(interface: impl Into<InterfaceRef>) -> Self {
        SessionScope { interface: interface.into(), configs: TypeConfigs::default(), state: Arc::default() }
    }

    /// Uses the layer's run-time configs (`SessionLayer::configure`).
    #[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
    pub(crate) fn with_configs(mut self, configs: &TypeConfigs) -> Self {
        self.configs = configs.clone();
        self
    }

    /// A scope using the process-wide backend.
    pub fn global() -> Self {
        let interface: &'static dyn crate::backend::SessionInterface = SecureCookieSessionInterface::global();
        Self::new(interface)
    }

    /// Opens session `T` from `request` (or hands out the one the layer opened eagerly); when the
    /// handle is dropped its final state is queued for [`save_into`](SessionScope::save_into).
    /// A server-side store that would wait gives an empty session here
    /// ([`Rejection::StoreUnavailable`](crate::Rejection::StoreUnavailable)): async code uses
    /// [`open_async`](SessionScope::open_async).
    pub fn open<T: Session + Send + 'static>(&self, request: &(impl CookieSource + ?Sized)) -> Tracked<T> {
        match self.take_eager::<T>() {
            Some(session) => session,
            None => self.track(Tracked::open_with(self.interface.clone(), self.configs.get::<T>(), request)),
        }
    }

    /// [`open`](SessionScope::open) for async callers (extractors): a server-side store is read
    /// asynchronously, under its timeout. Cookie sessions are ready at once.
    pub fn open_async<T: Session + Send + 'static, R: CookieSource + ?Sized>(
        &self,
        request: &R,
    ) -> impl Future<Output = Tracked<T>> + Send + 'static + use<T, R> {
        let scope = self.clone();
        let start = match self.take_eager::<T>() {
            Some(session) => Ok(session),
            None => Err(Tracked::open_async(self.interface.clone(), self.configs.get::<T>(), request)),
        };
        async move {
            match start {
                Ok(session) => session,
                Err(opening) => scope.track(opening.await),
            }
        }
    }

    fn eager(&self) -> std::sync::MutexGuard<'_, EagerState> {
        self.state.eager.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The eager session of type `T`, if the layer opened one; else, while eager openings may
    /// still arrive, marks `T` as opened by the handler (a scope without eager types records
    /// nothing, so the common path does not allocate).
    fn take_eager<T: Session + Send + 'static>(&self) -> Option<Tracked<T>> {
        let mut eager = self.eager();
        match eager.opened.remove(&TypeId::of::<T>()).map(|session| session.downcast::<Tracked<T>>()) {
            Some(Ok(session)) => Some(*session),
            _ => {
                if eager.expecting {
                    eager.taken.insert(TypeId::of::<T>());
                }
                None
            }
        }
    }

    /// Keeps an eagerly opened session for the handler, unless the handler opened its own.
    fn keep_eager<T: Session + Send + 'static>(&self, session: Tracked<T>) {
        let mut eager = self.eager();
        if eager.taken.contains(&TypeId::of::<T>()) {
            return;
        }
        let session = self.track(session);
        eager.opened.insert(TypeId::of::<T>(), Box::new(session));
    }

    fn track<T: Session + Send + 'static>(&self, mut session: Tracked<T>) -> Tracked<T> {
        let state = Arc::clone(&self.state);
        session.on_drop(Box::new(move |last: &mut Tracked<T>| {
            let finished = last.finish();
            state.pending.lock().unwrap_or_else(PoisonError::into_inner).push(finished);
        }));
        session
    }

    /// Saves every session dropped so far into `response`, without waiting. On an error the
    /// remaining sessions are still saved and the first error is returned. A server-side store
    /// that would wait fails here with [`StoreError::WouldBlock`](crate::StoreError::WouldBlock):
    /// layers await the same commits instead.
    pub fn save_into(&self, response: &mut (impl CookieSink + ?Sized)) -> Result<(), Error> {
        let mut first_error = None;
        for prepared in self.take_pending() {
            let saved = prepared.and_then(|prepared| prepared.commit().now()?.write(&mut &mut *response));
            if let Err(error) = saved {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// What every framework layer does after the handler: commits every session of the request
    /// (awaiting a server-side store, each call under its timeout), then, if all succeeded,
    /// writes them into `response`. On an error the remaining sessions are still committed and
    /// the first error is returned; the layer then answers [`failure_status`].
    /// The reports that say something (merged, ended) are returned for the response's
    /// extensions ([`SaveReports`]).
    #[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
    pub(crate) async fn finish<R: CookieSink + ?Sized>(
        &self,
        response: &mut R,
    ) -> Result<SaveReports, Error> {
        let mut pending = self.take_pending();
        let mut reports = SaveReports::default();
        // The usual request has one session: committed and written without collecting.
        if pending.len() == 1
            && let Some(prepared) = pending.pop()
        {
            let committed = match prepared {
                Ok(prepared) => prepared.commit().await,
                Err(error) => Err(error),
            };
            let outcome = committed.inspect_err(crate::log::save_failed)?;
            write_outcome(outcome, response, &mut reports)?;
            return Ok(reports);
        }
        let mut outcomes = Vec::new();
        let mut first_error = None;
        for prepared in pending {
            let committed = match prepared {
                Ok(prepared) => prepared.commit().await,
                Err(error) => Err(error),
            };
            match committed {
                Ok(outcome) => outcomes.push(outcome),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        if let Some(error) = first_error {
            crate::log::save_failed(&error);
            return Err(error);
        }
        for outcome in outcomes {
            write_outcome(outcome, response, &mut reports)?;
        }
        Ok(reports)
    }

    fn take_pending(&self) -> Vec<PendingSave> {
        // Eager sessions no handler took: dropping them queues them like the others.
        let untaken = std::mem::take(&mut self.eager().opened);
        drop(untaken);
        std::mem::take(&mut *self.state.pending.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Writes one committed session into `response`, keeping its report if it says something.
#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
fn write_outcome<R: CookieSink + ?Sized>(
    outcome: SaveOutcome,
    response: &mut R,
    reports: &mut SaveReports,
) -> Result<(), Error> {
    let report = outcome.report();
    outcome.write(&mut &mut *response).inspect_err(crate::log::save_failed)?;
    if report.is_notable() {
        reports.0.push(report);
    }
    Ok(())
}

/// Put into the extensions of a response by the layers when a server-side save was merged onto
/// a record another request had changed, or found its session ended (see [`SaveReport`]); absent
/// when every save went as planned.
///
/// ```
/// use session_runtime::SaveReports;
/// # let response = http::Response::new(());
/// if let Some(reports) = response.extensions().get::<SaveReports>() {
///     for report in &reports.0 {
///         println!("merged: {}, session ended: {}", report.merged, report.ended);
///     }
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaveReports(pub Vec<SaveReport>);

/// The status a layer answers when saving failed: `409` when another request's change could not
/// be merged, or another request rotated the session's id (a retry normally succeeds), `503` when the session store failed (retrying later
/// may work), `500` otherwise.
#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
pub(crate) fn failure_status(error: &Error) -> http::StatusCode {
    match error {
        Error::Conflict { .. } | Error::Rotated => http::StatusCode::CONFLICT,
        Error::Store(_) => http::StatusCode::SERVICE_UNAVAILABLE,
        _ => http::StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl fmt::Debug for SessionScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pending = self.state.pending.lock().map_or(0, |p| p.len());
        f.debug_struct("SessionScope").field("interface", &self.interface).field("pending", &pending).finish()
    }
}

/// Put into the extensions of the 500 response a layer sends when saving a session failed, so
/// outer layers can log it.
///
/// ```
/// let failed = session_runtime::SaveFailed("no key".into());
/// assert_eq!(failed.0, "no key");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveFailed(pub String);
