//! What a session handle refers to: its config and its backend, each either `'static` (what the
//! derive emits) or shared (built at run time); and a finished session, detached from its handle.

use std::ops::Deref;
use std::sync::Arc;

use super::SessionInterface;
use super::deferred::Committing;
use super::state::SessionState;
use crate::config::CookieConfig;

/// A session config the handle refers to: a `'static` one (what the derive emits) or a shared one
/// (built at run time). Made with `From`; functions that take a config take `impl Into<ConfigRef>`.
///
/// ```
/// use session_runtime::CookieConfig;
/// use session_runtime::ConfigRef;
/// let shared: ConfigRef = CookieConfig::builder().name("cart").build()?.into();
/// static DEFAULT: CookieConfig = CookieConfig::DEFAULT;
/// let fixed: ConfigRef = (&DEFAULT).into();
/// # let _ = (shared, fixed);
/// # Ok::<(), session_runtime::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ConfigRef(pub(crate) Shared<CookieConfig>);

/// A backend the handle refers to: a `'static` one or a shared one. Made with `From`; functions
/// that take a backend (`Tracked::open_with`, `SessionLayer::with_interface`) take
/// `impl Into<InterfaceRef>`, so an `Arc` of any backend will do.
///
/// ```
/// use session_runtime::SecureCookieSessionInterface;
/// use session_runtime::InterfaceRef;
/// use std::sync::Arc;
/// let backend: InterfaceRef = Arc::new(SecureCookieSessionInterface::without_keys()).into();
/// # let _ = backend;
/// ```
#[derive(Debug, Clone)]
pub struct InterfaceRef(pub(crate) Shared<dyn SessionInterface>);

/// A `'static` reference or a shared one: the derive's configs and backends are statics, run-time
/// ones are `Arc`s, and the handle takes either without a reference count for the first.
#[derive(Debug)]
pub(crate) enum Shared<T: ?Sized + 'static> {
    Static(&'static T),
    Arc(Arc<T>),
}

impl<T: ?Sized> Clone for Shared<T> {
    fn clone(&self) -> Self {
        match self {
            Shared::Static(value) => Shared::Static(value),
            Shared::Arc(value) => Shared::Arc(Arc::clone(value)),
        }
    }
}

impl<T: ?Sized> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self {
            Shared::Static(value) => value,
            Shared::Arc(value) => value,
        }
    }
}

impl ConfigRef {
    pub(crate) fn get(&self) -> &CookieConfig {
        &self.0
    }
}

impl InterfaceRef {
    pub(crate) fn get(&self) -> &dyn SessionInterface {
        &*self.0
    }
}

impl From<&'static CookieConfig> for ConfigRef {
    fn from(config: &'static CookieConfig) -> Self {
        ConfigRef(Shared::Static(config))
    }
}
impl From<Arc<CookieConfig>> for ConfigRef {
    fn from(config: Arc<CookieConfig>) -> Self {
        ConfigRef(Shared::Arc(config))
    }
}
impl From<CookieConfig> for ConfigRef {
    fn from(config: CookieConfig) -> Self {
        ConfigRef(Shared::Arc(Arc::new(config)))
    }
}
impl From<&'static dyn SessionInterface> for InterfaceRef {
    fn from(interface: &'static dyn SessionInterface) -> Self {
        InterfaceRef(Shared::Static(interface))
    }
}
impl From<Arc<dyn SessionInterface>> for InterfaceRef {
    fn from(interface: Arc<dyn SessionInterface>) -> Self {
        InterfaceRef(Shared::Arc(interface))
    }
}
impl<I: SessionInterface + 'static> From<Arc<I>> for InterfaceRef {
    fn from(interface: Arc<I>) -> Self {
        InterfaceRef(Shared::Arc(interface))
    }
}

/// A session's final state with its backend and config, detached from its handle: what `save`,
/// `save_async` and the layers plan and commit, the same way for each.
pub(crate) struct Finished {
    pub(crate) interface: InterfaceRef,
    pub(crate) config: ConfigRef,
    pub(crate) state: SessionState,
    /// A revocable session's sign-in whose epoch was not cached: read before planning.
    pub(crate) pending_epoch: Option<crate::epoch::check::Lookup>,
}

impl Finished {
    /// Plans the save (the decision, once) and starts its commit: ready at once for cookie
    /// sessions, waiting for the store's calls for server-side ones (and for a sign-in's epoch,
    /// when a revocable session's source had to be asked).
    pub(crate) fn commit(&self) -> Committing<'_> {
        let (interface, config) = (self.interface.get(), self.config.get());
        if let Some(lookup) = &self.pending_epoch {
            let (user, lookup) = (lookup.user().to_owned(), lookup.clone());
            let mut state = self.state.clone();
            return Committing::waiting(async move {
                let epoch = lookup.run().await?;
                crate::epoch::check::stamp_pending(&mut state, user, epoch);
                let plan = interface.plan_save(config, &state)?;
                interface.commit_save(config, plan).await
            });
        }
        match interface.plan_save(config, &self.state) {
            Ok(plan) => interface.commit_save(config, plan),
            Err(error) => Committing::ready(Err(error)),
        }
    }
}
