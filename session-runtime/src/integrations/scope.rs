//! The per-request scope a layer keeps: sessions opened during the request hand their final
//! state to it when dropped, and the layer saves them all into the response.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Error;
use crate::headers::{CookieSink, CookieSource};
use crate::interface::SecureCookieSessionInterface;
use crate::session::Session;
use crate::tracked::{InterfaceRef, Tracked};

type PendingSave = Box<dyn FnOnce(&mut dyn CookieSink) -> Result<(), Error> + Send>;

/// Opens one session type for a request, type-erased (see [`EagerSessions`]).
type Opener = Arc<dyn Fn(&SessionScope, &dyn CookieSource) + Send + Sync>;

/// Session types a layer opens as soon as a request arrives, so a permanent session is refreshed
/// (and gets `Vary: Cookie`) even on routes that never touch it, as Flask does.
#[derive(Clone, Default)]
#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
pub(crate) struct EagerSessions(Vec<Opener>);

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
    }

    pub(crate) fn open_all(&self, scope: &SessionScope, request: &dyn CookieSource) {
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
/// use session_runtime::{CookieConfig, Session, SessionScope, StaticConfig, SecureCookieSessionInterface};
/// use std::sync::Arc;
///
/// #[derive(serde::Serialize, serde::Deserialize, Default)]
/// struct Visit { count: u32 }
/// impl Session for Visit {
///     const CONFIG: CookieConfig = CookieConfig::from_static(StaticConfig::DEFAULT);
///     fn config() -> &'static CookieConfig { static C: CookieConfig = Visit::CONFIG; &C }
/// }
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
}

impl SessionScope {
    /// A scope whose sessions use `interface`.
    pub fn new(interface: impl Into<InterfaceRef>) -> Self {
        SessionScope {
            interface: interface.into(),
            opened: Arc::new(Mutex::new(HashMap::new())),
            pending: Arc::new(Mutex::new(Vec::new())),
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
        let mut session: Tracked<T> = Tracked::open_with(self.interface.clone(), T::config(), request);
        let pending = Arc::clone(&self.pending);
        session.on_drop(Box::new(move |last: Tracked<T>| {
            pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(Box::new(move |sink: &mut dyn CookieSink| last.save(sink)));
        }));
        session
    }

    /// Saves every session dropped so far into `response`. On an error the remaining sessions
    /// are still saved and the first error is returned.
    pub fn save_into(&self, response: &mut (impl CookieSink + ?Sized)) -> Result<(), Error> {
        // Eager sessions no handler took: dropping them queues them like the others.
        let untaken = std::mem::take(&mut *self.opened.lock().unwrap_or_else(PoisonError::into_inner));
        drop(untaken);
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner));
        let mut first_error = None;
        for save in pending {
            if let Err(error) = save(&mut &mut *response) {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
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
