//! A tower [`Layer`] that opens sessions on demand and saves them after the inner service, on any
//! tower/hyper stack (feature `tower`, enabled by `axum`).
//!
//! ```
//! use session_runtime::tower::SessionLayer;
//! let layer = SessionLayer::new(); // the process-wide key ring
//! # let _ = layer;
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::configs::TypeConfigs;
use super::scope::{EagerSessions, SaveFailed, SessionScope, failure_status};
use crate::backend::{CookieSource, InterfaceRef};
use crate::config::{ConfigError, CookieConfig, CookieConfigBuilder};
use crate::session::Session;
use crate::tracked::Tracked;

/// Adds a [`SessionScope`] to each request and saves its sessions into the response, error
/// responses included. If saving fails (no key for a changed session, a cookie too large) the
/// response becomes an empty `500` carrying [`SaveFailed`] in its extensions; if a server-side
/// session store failed or timed out ([`Error::Store`](crate::Error::Store)), an empty `503`. A handler that
/// panics never reaches the save, so its session is left as the client had it.
#[derive(Debug, Clone)]
pub struct SessionLayer {
    pub(crate) interface: Option<InterfaceRef>,
    eager: EagerSessions,
    pub(crate) configs: TypeConfigs,
}

impl SessionLayer {
    /// A layer using the process-wide backend ([`install_keys`](crate::install_keys) or the
    /// environment).
    pub fn new() -> Self {
        SessionLayer { interface: None, eager: EagerSessions::default(), configs: TypeConfigs::default() }
    }

    /// A layer using the given backend.
    ///
    /// ```
    /// use session_runtime::{tower::SessionLayer, Keys, SecretKey, SecureCookieSessionInterface};
    /// use std::sync::Arc;
    /// let backend = Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?)));
    /// let layer = SessionLayer::with_interface(backend);
    /// # let _ = layer;
    /// # Ok::<(), session_runtime::KeyError>(())
    /// ```
    pub fn with_interface(interface: impl Into<InterfaceRef>) -> Self {
        SessionLayer {
            interface: Some(interface.into()),
            eager: EagerSessions::default(),
            configs: TypeConfigs::default(),
        }
    }

    /// Opens session `T` on every request, not only when a handler asks for it, so that a
    /// permanent session is refreshed (sliding expiry, with `Vary: Cookie`) on every route, as in
    /// Flask. Handlers that extract `T` get this same handle.
    ///
    /// ```
    /// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
    /// # struct Visit { count: u32 }
    /// let layer = session_runtime::tower::SessionLayer::new().eager::<Visit>();
    /// # let _ = layer;
    /// ```
    pub fn eager<T: Session + Send + 'static>(mut self) -> Self {
        self.eager.add::<T>();
        self
    }

    /// Changes a few of session `T`'s cookie settings at run time (from the environment: the
    /// domain, `secure` off for plain-HTTP development…), starting from its
    /// `#[session(...)]` config. The result is checked by the same rules as the derive, here,
    /// before the server serves: a broken rule is an `Err`, never a per-request failure. Every
    /// request this layer serves, eager or not, then uses that config for `T`.
    ///
    /// ```
    /// use session_runtime::{ConfigError, tower::SessionLayer};
    /// # #[derive(serde::Serialize, serde::Deserialize, Default)]
    /// #[derive(session_runtime::Session)]
    /// #[session(name = "__Host-visit", secure)]
    /// struct Visit { count: u32 }
    ///
    /// let domain = std::env::var("SESSION_COOKIE_DOMAIN").ok(); // e.g. "example.com"
    /// let layer = SessionLayer::new().configure::<Visit>(|c| match domain {
    ///     // `__Host-` cookies may not name a domain: give the cookie another name.
    ///     Some(domain) => c.name("visit").domain(domain),
    ///     None => c,
    /// })?;
    /// // A `__Host-` cookie must be `Secure`: an error at start-up.
    /// let err = SessionLayer::new().configure::<Visit>(|c| c.secure(false)).unwrap_err();
    /// assert_eq!(err, ConfigError::HostPrefixNeedsSecure);
    /// # let _ = layer;
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn configure<T: Session + 'static>(
        self,
        change: impl FnOnce(CookieConfigBuilder) -> CookieConfigBuilder,
    ) -> Result<Self, ConfigError> {
        Ok(self.with_config::<T>(T::configure(change)?))
    }

    /// Uses `config` for session `T` instead of its `#[session(...)]` config: for a config built
    /// once with [`Session::configure`] and shared with code that opens `T` by hand. A
    /// `CookieConfig` has passed every rule already, so this cannot fail.
    ///
    /// ```
    /// use session_runtime::{Session, tower::SessionLayer};
    /// # #[derive(serde::Serialize, serde::Deserialize, Default)]
    /// #[derive(Session)]
    /// struct Visit { count: u32 }
    ///
    /// let config = Visit::configure(|c| c.domain("example.com"))?;
    /// let layer = SessionLayer::new().with_config::<Visit>(config);
    /// # let _ = layer;
    /// # Ok::<(), session_runtime::ConfigError>(())
    /// ```
    pub fn with_config<T: Session + 'static>(mut self, config: CookieConfig) -> Self {
        self.configs.set::<T>(config);
        self
    }

    fn scope(&self) -> SessionScope {
        let scope = match &self.interface {
            Some(interface) => SessionScope::new(interface.clone()),
            None => SessionScope::global(),
        };
        scope.with_configs(&self.configs)
    }
}

impl Default for SessionLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> SessionService<S> {
        SessionService { inner, layer: self.clone() }
    }
}

/// The service [`SessionLayer`] wraps around an inner service.
#[derive(Debug, Clone)]
pub struct SessionService<S> {
    inner: S,
    layer: SessionLayer,
}

/// The response future of [`SessionService`].
pub type ResponseFuture<R, E> = Pin<Box<dyn Future<Output = Result<R, E>> + Send>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<Response<ResBody>, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let scope = self.layer.scope();
        let eager = self.layer.eager.start(&scope, &request);
        request.extensions_mut().insert(scope.clone());
        let response = self.inner.call(request);
        Box::pin(async move {
            // The handler runs when `response` is polled, after every eager session is open.
            for opening in eager {
                opening.await;
            }
            let mut response = response.await?;
            match scope.finish(&mut response).await {
                Ok(reports) if !reports.0.is_empty() => {
                    response.extensions_mut().insert(reports);
                }
                Ok(_) => {}
                Err(error) => {
                    let mut failed = Response::new(ResBody::default());
                    *failed.status_mut() = failure_status(&error);
                    failed.extensions_mut().insert(SaveFailed(error.to_string()));
                    return Ok(failed);
                }
            }
            Ok(response)
        })
    }
}

/// Opens session `T` inside a [`SessionLayer`], for services that are not axum handlers: the
/// layer saves it after the service returns. `None` when the request did not pass through the
/// layer. With a server-side backend whose store needs I/O (Redis), use [`open_async`].
///
/// ```
/// use session_runtime::tower::open;
/// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
/// # struct Visit { count: u32 }
/// let request = http::Request::new(());
/// assert!(open::<Visit, _>(&request).is_none(), "no layer in front of this request");
/// ```
pub fn open<T: Session + Send + 'static, B>(request: &Request<B>) -> Option<Tracked<T>> {
    let scope = request.extensions().get::<SessionScope>()?;
    Some(scope.open::<T>(request as &dyn CookieSource))
}

/// [`open`] for a server-side backend whose store needs I/O (Redis): the store is read
/// asynchronously. `None` when the request did not pass through the layer.
///
/// ```
/// use session_runtime::tower::open_async;
/// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
/// # struct Visit { count: u32 }
/// # async fn service(request: http::Request<()>) {
/// let visit = open_async::<Visit, _>(&request).await;
/// # let _ = visit; }
/// ```
pub fn open_async<T: Session + Send + 'static, B>(
    request: &Request<B>,
) -> impl Future<Output = Option<Tracked<T>>> + Send + 'static + use<T, B> {
    let scope = request.extensions().get::<SessionScope>();
    let opening = scope.map(|scope| scope.open_async::<T, _>(request));
    async move {
        match opening {
            Some(opening) => Some(opening.await),
            None => None,
        }
    }
}
