//! The per-request scope a layer keeps: sessions opened during the request hand their final
//! state to it when dropped, and the layer saves them all into the response.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Error;
use crate::headers::{CookieSink, CookieSource};
use crate::interface::SecureCookieSessionInterface;
use crate::session::Session;
use crate::tracked::{InterfaceRef, Tracked};

type PendingSave = Box<dyn FnOnce(&mut dyn CookieSink) -> Result<(), Error> + Send>;

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
    pending: Arc<Mutex<Vec<PendingSave>>>,
}

impl SessionScope {
    /// A scope whose sessions use `interface`.
    pub fn new(interface: impl Into<InterfaceRef>) -> Self {
        SessionScope { interface: interface.into(), pending: Arc::new(Mutex::new(Vec::new())) }
    }

    /// A scope using the process-wide backend.
    pub fn global() -> Self {
        let interface: &'static dyn crate::SessionInterface = SecureCookieSessionInterface::global();
        Self::new(interface)
    }

    /// Opens session `T` from `request`; when the handle is dropped its final state is queued
    /// for [`save_into`](SessionScope::save_into).
    pub fn open<T: Session + Send + 'static>(&self, request: &(impl CookieSource + ?Sized)) -> Tracked<T> {
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
