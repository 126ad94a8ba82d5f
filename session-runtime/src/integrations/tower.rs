//! A tower [`Layer`] that opens sessions on demand and saves them after the inner service, on any
//! tower/hyper stack (feature `tower`, enabled by `axum`).
//!
//! ```
//! use session_runtime::tower::SessionLayer;
//! let layer = SessionLayer::new(); // the process-wide key ring
//! # let _ = layer;
//! ```

use std::any::{Any, TypeId};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use tower_layer::Layer;
use tower_service::Service;

use super::scope::SessionScope;
use super::settings::{FAILED_SAVE_CONTENT_TYPE, FailedSave, LayerSettings};
use crate::backend::{CookieSource, InterfaceRef};
use crate::config::{ConfigError, CookieConfig, CookieConfigBuilder};
use crate::session::Session;
use crate::tracked::Tracked;

/// Adds a [`SessionScope`] to each request and saves its sessions into the response, error
/// responses included. If saving fails (no key for a changed session, a cookie too large) the
/// response becomes a `500` carrying [`SaveFailed`](crate::SaveFailed) in its extensions; if a
/// server-side session store failed or timed out ([`Error::Store`](crate::Error::Store)), a `503`.
/// The body is empty in release builds; debug builds put the error's text in it when the body
/// type is one the layer knows (axum's `Body`, `Full<Bytes>`, `Bytes`, `String`, `Vec<u8>`;
/// others, such as `BoxBody`, stay empty). A handler that panics never reaches the save, so its
/// session is left as the client had it.
#[derive(Debug, Clone)]
pub struct SessionLayer {
    /// Shared: axum clones the layered service for every request, so a clone is one count.
    pub(crate) settings: Arc<LayerSettings>,
}

impl SessionLayer {
    /// A layer using the process-wide backend ([`install_keys`](crate::install_keys) or the
    /// environment).
    pub fn new() -> Self {
        SessionLayer { settings: Arc::new(LayerSettings::new(None)) }
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
        SessionLayer { settings: Arc::new(LayerSettings::new(Some(interface.into()))) }
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
    pub fn eager<T: Session + Send + 'static>(self) -> Self {
        SessionLayer { settings: Arc::new(Arc::unwrap_or_clone(self.settings).eager::<T>()) }
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
        Ok(SessionLayer { settings: Arc::new(Arc::unwrap_or_clone(self.settings).configure::<T>(change)?) })
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
    pub fn with_config<T: Session + 'static>(self, config: CookieConfig) -> Self {
        SessionLayer { settings: Arc::new(Arc::unwrap_or_clone(self.settings).with_config::<T>(config)) }
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
        let (scope, eager) = self.layer.settings.start(&request);
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
                Err(error) => return Ok(failed_response(FailedSave::of(&error))),
            }
            Ok(response)
        })
    }
}

/// The response replacing the service's when saving failed.
fn failed_response<ResBody: Default + 'static>(failed: FailedSave) -> Response<ResBody> {
    let mut response = match failed.body.and_then(text_body::<ResBody>) {
        Some(body) => {
            let mut response = Response::new(body);
            let content_type = http::HeaderValue::from_static(FAILED_SAVE_CONTENT_TYPE);
            response.headers_mut().insert(http::header::CONTENT_TYPE, content_type);
            response
        }
        None => Response::new(ResBody::default()),
    };
    *response.status_mut() = failed.status;
    response.extensions_mut().insert(failed.extension);
    response
}

/// `text` as a body of type `B`, for the body types of axum, hyper and plain bytes; `None` for
/// the others. The layer asks only `Default` of its body type, so that every body (a `BoxBody`
/// too) can pass through it; demanding `From<String>` would shut those out for a debug message.
fn text_body<B: 'static>(text: String) -> Option<B> {
    fn body<B: 'static>(body: impl Any) -> Option<B> {
        (Box::new(body) as Box<dyn Any>).downcast::<B>().ok().map(|body| *body)
    }
    let wanted = TypeId::of::<B>();
    #[cfg(feature = "axum")]
    if wanted == TypeId::of::<axum_core::body::Body>() {
        return body(axum_core::body::Body::from(text));
    }
    if wanted == TypeId::of::<Full<Bytes>>() {
        body(Full::new(Bytes::from(text)))
    } else if wanted == TypeId::of::<Bytes>() {
        body(Bytes::from(text))
    } else if wanted == TypeId::of::<String>() {
        body(text)
    } else if wanted == TypeId::of::<Vec<u8>>() {
        body(text.into_bytes())
    } else {
        None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_body_types_carry_the_text_and_others_none() {
        let text = || "no key".to_owned();
        assert_eq!(text_body::<String>(text()).as_deref(), Some("no key"));
        assert_eq!(text_body::<Vec<u8>>(text()).as_deref(), Some(&b"no key"[..]));
        assert_eq!(text_body::<Bytes>(text()).as_deref(), Some(&b"no key"[..]));
        assert!(text_body::<Full<Bytes>>(text()).is_some());
        assert!(text_body::<()>(text()).is_none());
        assert!(text_body::<http_body_util::Empty<Bytes>>(text()).is_none());
    }
}
