//! The per-request scope a layer keeps: sessions opened during the request hand their final
//! state to it when dropped, and the layer saves them all into the response.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use http::HeaderMap;

use crate::error::Error;
use crate::handle_ref::InterfaceRef;
use crate::headers::{CookieSink, CookieSource};
use crate::interface::SecureCookieSessionInterface;
use crate::session::Session;
use crate::tracked::{Committed, Prepared, Tracked};

/// A dropped session's final state, serialized (or the error serializing it).
type PendingSave = Result<Prepared, Error>;

/// Opens one session type for a request, type-erased (see [`EagerSessions`]).
type Opener = Arc<dyn Fn(&SessionScope, &dyn CookieSource) + Send + Sync>;

/// The same, for a server-side backend: opens the session after the handler if it did not, so
/// the store is read asynchronously.
type AsyncOpener = Arc<dyn Fn(SessionScope) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Session types a layer opens as soon as a request arrives, so a permanent session is refreshed
/// (and gets `Vary: Cookie`) even on routes that never touch it, as Flask does.
#[derive(Clone, Default)]
#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
pub(crate) struct EagerSessions(Vec<Opener>, Vec<AsyncOpener>);

#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
impl EagerSessions {
    pub(crate) fn add<T: Session + Send + 'static>(&mut self) {
        self.0.push(Arc::new(|scope: &SessionScope, request: &dyn CookieSource| {
            let session = scope.open_fresh::<T>(request);
            scope
                .opened
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(TypeId::of::<T>(), Box::new(session));
        }));
        self.1.push(Arc::new(|scope: SessionScope| {
            Box::pin(async move {
                if scope.taken.lock().unwrap_or_else(PoisonError::into_inner).contains(&TypeId::of::<T>()) {
                    return;
                }
                let headers = scope.deferred_cookies.lock().unwrap_or_else(PoisonError::into_inner).clone();
                // Dropping the handle queues it for saving like any other.
                drop(scope.open_async::<T, _>(&headers).await);
            })
        }));
    }

    /// Opens every eager session now (the signed-cookie backend), or, for a server-side backend,
    /// remembers the request's cookies so [`SessionScope::open_deferred`] opens them after the
    /// handler, with asynchronous store reads. Either way a handler sees the same data.
    pub(crate) fn open_all(&self, scope: &SessionScope, request: &dyn CookieSource) {
        if self.0.is_empty() {
            return;
        }
        if scope.interface.get().server_side().is_some() {
            let mut cookies = HeaderMap::new();
            request.for_each_cookie_header(&mut |value| {
                if let Ok(value) = http::HeaderValue::from_bytes(value) {
                    cookies.append(http::header::COOKIE, value);
                }
                std::ops::ControlFlow::Continue(())
            });
            *scope.deferred_cookies.lock().unwrap_or_else(PoisonError::into_inner) = cookies;
            *scope.deferred.lock().unwrap_or_else(PoisonError::into_inner) = self.1.clone();
            return;
        }
        for opener in &self.0 {
            opener(scope, request);
        }
    }
}

impl fmt::Debug for EagerSessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EagerSessions({})", self.0.len())
    }
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
    /// Sessions opened eagerly and not yet taken by a handler, by type.
    opened: Arc<Mutex<HashMap<TypeId, Box<dyn Any + Send>>>>,
    pending: Arc<Mutex<Vec<PendingSave>>>,
    /// Server-side backends: types opened during the request, eager openers still to run after
    /// the handler and the cookies they read.
    taken: Arc<Mutex<HashSet<TypeId>>>,
    deferred: Arc<Mutex<Vec<AsyncOpener>>>,
    deferred_cookies: Arc<Mutex<HeaderMap>>,
}

impl SessionScope {
    /// A scope whose sessions use `interface`.
    pub fn new(interface: impl Into<InterfaceRef>) -> Self {
        SessionScope {
            interface: interface.into(),
            opened: Arc::new(Mutex::new(HashMap::new())),
            pending: Arc::new(Mutex::new(Vec::new())),
            taken: Arc::new(Mutex::new(HashSet::new())),
            deferred: Arc::new(Mutex::new(Vec::new())),
            deferred_cookies: Arc::new(Mutex::new(HeaderMap::new())),
        }
    }

    /// A scope using the process-wide backend.
    pub fn global() -> Self {
        let interface: &'static dyn crate::SessionInterface = SecureCookieSessionInterface::global();
        Self::new(interface)
    }

    /// Opens session `T` from `request` (or hands out the one the layer opened eagerly); when the
    /// handle is dropped its final state is queued for [`save_into`](SessionScope::save_into).
    pub fn open<T: Session + Send + 'static>(&self, request: &(impl CookieSource + ?Sized)) -> Tracked<T> {
        let eager = self.opened.lock().unwrap_or_else(PoisonError::into_inner).remove(&TypeId::of::<T>());
        match eager.map(|session| session.downcast::<Tracked<T>>()) {
            Some(Ok(session)) => *session,
            _ => self.open_fresh(request),
        }
    }

    fn open_fresh<T: Session + Send + 'static>(&self, request: &(impl CookieSource + ?Sized)) -> Tracked<T> {
        let session: Tracked<T> = Tracked::open_with(self.interface.clone(), T::config(), request);
        self.track(session)
    }

    fn track<T: Session + Send + 'static>(&self, mut session: Tracked<T>) -> Tracked<T> {
        let pending = Arc::clone(&self.pending);
        session.on_drop(Box::new(move |last: Tracked<T>| {
            let prepared = last.prepare();
            pending.lock().unwrap_or_else(PoisonError::into_inner).push(prepared);
        }));
        session
    }

    /// [`open`](SessionScope::open) for async callers (extractors): a server-side backend's
    /// store is read asynchronously, under its timeout. With the signed-cookie backend it is
    /// `open`.
    pub fn open_async<T: Session + Send + 'static, R: CookieSource + ?Sized>(
        &self,
        request: &R,
    ) -> impl Future<Output = Tracked<T>> + Send + 'static + use<T, R> {
        let scope = self.clone();
        let start = match self.interface.get().server_side() {
            None => Ok(self.open::<T>(request)),
            Some(_) => {
                self.taken.lock().unwrap_or_else(PoisonError::into_inner).insert(TypeId::of::<T>());
                Err(Tracked::open_async(self.interface.clone(), T::config(), request))
            }
        };
        async move {
            match start {
                Ok(session) => session,
                Err(opening) => scope.track(opening.await),
            }
        }
    }

    /// Server-side backends: opens the eager sessions the handler did not take, after it ran,
    /// so they are refreshed like the others. Layers call it before [`commit`](Self::commit).
    #[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
    pub(crate) async fn open_deferred(&self) {
        let deferred = std::mem::take(&mut *self.deferred.lock().unwrap_or_else(PoisonError::into_inner));
        for opener in deferred {
            opener(self.clone()).await;
        }
    }

    /// Saves every session dropped so far into `response`. On an error the remaining sessions
    /// are still saved and the first error is returned. A server-side store that needs to wait
    /// for I/O fails here with [`StoreError::WouldBlock`](crate::StoreError::WouldBlock): layers
    /// use the asynchronous path.
    pub fn save_into(&self, response: &mut (impl CookieSink + ?Sized)) -> Result<(), Error> {
        let mut first_error = None;
        for prepared in self.take_pending() {
            if let Err(error) = prepared.and_then(|prepared| prepared.save_sync(&mut &mut *response)) {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn take_pending(&self) -> Vec<PendingSave> {
        // Eager sessions no handler took: dropping them queues them like the others.
        let untaken = std::mem::take(&mut *self.opened.lock().unwrap_or_else(PoisonError::into_inner));
        drop(untaken);
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs the store calls of every session dropped so far (server-side backends; each call
    /// under the backend's timeout); the result writes the response. On an error the remaining
    /// sessions are still committed and the first error is returned.
    #[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
    pub(crate) async fn commit(&self) -> Result<Commit, Error> {
        let mut writes = Vec::new();
        let mut first_error = None;
        for prepared in self.take_pending() {
            let committed = match prepared {
                Ok(prepared) => prepared.commit().await,
                Err(error) => Err(error),
            };
            match committed {
                Ok(committed) => writes.push(committed),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(Commit(writes)), Err)
    }
}

/// Committed sessions, waiting to be written into the response.
#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
pub(crate) struct Commit(Vec<Committed>);

#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
impl Commit {
    /// Writes every session into `response`; the first error is returned, the others still
    /// written.
    pub(crate) fn write(self, response: &mut dyn CookieSink) -> Result<(), Error> {
        let mut first_error = None;
        for committed in self.0 {
            if let Err(error) = committed.write(response) {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// The status a layer answers when saving failed: `503` when the session store failed (retrying
/// later may work), `500` otherwise.
#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
pub(crate) fn failure_status(error: &Error) -> http::StatusCode {
    match error {
        Error::Store(_) => http::StatusCode::SERVICE_UNAVAILABLE,
        _ => http::StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl fmt::Debug for SessionScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pending = self.pending.lock().map_or(0, |p| p.len());
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
