//! What every framework layer is configured with, written once: the backend, the eager session
//! types and the run-time configs. The tower layer, the actix middleware and the test kit wrap
//! it, so a setting added here reaches all three; each layer only adapts a request and a
//! response to its framework. The answer to a failed save is built here too, so the layers
//! cannot drift apart on it.

use super::configs::TypeConfigs;
use super::scope::{EagerOpen, EagerSessions, SaveFailed, SessionScope, failure_status};
use crate::backend::{CookieSource, InterfaceRef, SessionInterface};
use crate::config::{ConfigError, CookieConfig, CookieConfigBuilder};
use crate::error::Error;
use crate::secure_cookie::SecureCookieSessionInterface;
use crate::session::Session;

/// A layer's settings. Cheap to clone: every field is shared.
#[derive(Debug, Clone, Default)]
pub(crate) struct LayerSettings {
    /// The backend; `None` is the process-wide one, looked up when a request arrives (so a layer
    /// built before [`install_keys`](crate::install_keys) still uses the installed keys).
    interface: Option<InterfaceRef>,
    eager: EagerSessions,
    configs: TypeConfigs,
}

// Without a layer feature only the test kit uses the settings, and not every method.
#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
impl LayerSettings {
    /// Settings using `interface`, or the process-wide backend for `None`.
    pub(crate) fn new(interface: Option<InterfaceRef>) -> Self {
        LayerSettings { interface, eager: EagerSessions::default(), configs: TypeConfigs::default() }
    }

    /// Opens session `T` on every request (the layers' `eager::<T>()`).
    pub(crate) fn eager<T: Session + Send + 'static>(mut self) -> Self {
        self.eager.add::<T>();
        self
    }

    /// `T`'s config changed at run time, checked by the derive's rules (the layers' `configure`).
    pub(crate) fn configure<T: Session + 'static>(
        self,
        change: impl FnOnce(CookieConfigBuilder) -> CookieConfigBuilder,
    ) -> Result<Self, ConfigError> {
        Ok(self.with_config::<T>(T::configure(change)?))
    }

    /// Uses `config` for session `T` instead of its `#[session(...)]` config.
    pub(crate) fn with_config<T: Session + 'static>(mut self, config: CookieConfig) -> Self {
        self.configs.set::<T>(config);
        self
    }

    /// The backend: the given one, else the process-wide one.
    pub(crate) fn interface(&self) -> InterfaceRef {
        match &self.interface {
            Some(interface) => interface.clone(),
            None => {
                let global: &'static dyn SessionInterface = SecureCookieSessionInterface::global();
                global.into()
            }
        }
    }

    /// Starts one request: its scope (for the request's extensions) and the store loads of its
    /// eager sessions, to await before the handler runs (cookie sessions are open already).
    pub(crate) fn start(&self, request: &dyn CookieSource) -> (SessionScope, Vec<EagerOpen>) {
        let scope = SessionScope::new(self.interface()).with_configs(&self.configs);
        let eager = self.eager.start(&scope, request);
        (scope, eager)
    }
}

/// What only the test kit asks of the settings.
#[cfg(feature = "test-util")]
impl LayerSettings {
    /// Session `T`'s config: the run-time one if set, else the derive's.
    pub(crate) fn config<T: Session + 'static>(&self) -> crate::backend::ConfigRef {
        self.configs.get::<T>()
    }

    /// These settings with the backend looked up now: the test kit resolves the process-wide
    /// backend when it is made, as it always has, not at each use.
    pub(crate) fn resolved(&self) -> Self {
        LayerSettings { interface: Some(self.interface()), ..self.clone() }
    }
}

/// What a layer answers when saving a request's sessions failed, before it is put into the
/// framework's response type.
#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
pub(crate) struct FailedSave {
    /// `409`, `503` or `500` (see [`failure_status`]).
    pub(crate) status: http::StatusCode,
    /// The error's text, in debug builds only: a developer sees why at once; release builds keep
    /// it for the logs and the [`SaveFailed`] extension, not for the client.
    pub(crate) body: Option<String>,
    /// For the response's extensions, so outer layers can log it.
    pub(crate) extension: SaveFailed,
}

/// The `Content-Type` of a [`FailedSave`] body.
#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
pub(crate) const FAILED_SAVE_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

#[cfg_attr(not(any(feature = "tower", feature = "actix")), allow(dead_code))]
impl FailedSave {
    /// The answer to `error`.
    pub(crate) fn of(error: &Error) -> Self {
        let text = error.to_string();
        FailedSave {
            status: failure_status(error),
            body: cfg!(debug_assertions).then(|| text.clone()),
            extension: SaveFailed(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_save_says_why_in_debug_builds_only() {
        let failed = FailedSave::of(&Error::Header("bad value".into()));
        assert_eq!(failed.status, http::StatusCode::INTERNAL_SERVER_ERROR);
        assert!(failed.extension.0.contains("bad value"), "{:?}", failed.extension);
        assert_eq!(failed.body.is_some(), cfg!(debug_assertions));
        if let Some(body) = failed.body {
            assert_eq!(body, failed.extension.0);
        }
    }

    #[test]
    #[cfg(feature = "test-util")]
    fn no_interface_is_the_process_wide_one_and_resolved_pins_it() {
        let settings = LayerSettings::default();
        assert!(settings.interface.is_none());
        assert!(settings.resolved().interface.is_some());
    }
}
