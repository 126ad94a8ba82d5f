//! actix-web integration (feature `actix`): [`SessionMiddleware`] and the `Tracked<T>` extractor,
//! with the same semantics as the tower layer.
//!
//! ```no_run
//! use actix_web::{web, App, HttpServer};
//! use session_runtime::{actix::SessionMiddleware, Tracked};
//! # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
//! # struct Visit { count: u32 }
//!
//! async fn count(mut visit: Tracked<Visit>) -> String {
//!     visit.count += 1;
//!     format!("visit {}", visit.count)
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! HttpServer::new(|| App::new().wrap(SessionMiddleware::new()).route("/", web::get().to(count)))
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await
//! # }
//! ```

use std::future::{Future, Ready, ready};
use std::ops::ControlFlow;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};

use super::scope::SessionScope;
use super::settings::{FAILED_SAVE_CONTENT_TYPE, FailedSave, LayerSettings};
use crate::backend::{CookieSink, CookieSource, InterfaceRef};
use crate::config::{ConfigError, CookieConfig, CookieConfigBuilder};
use crate::error::Error;
use crate::headers::{VaryUpdate, merged_vary};
use crate::session::Session;
use crate::tracked::Tracked;

impl CookieSource for HttpRequest {
    fn for_each_cookie_header(&self, visit: &mut dyn FnMut(&[u8]) -> ControlFlow<()>) {
        for value in self.headers().get_all(header::COOKIE) {
            if visit(value.as_bytes()).is_break() {
                return;
            }
        }
    }
}

/// Writes into actix-web's own header map (actix uses its own `HeaderMap` type).
struct ActixHeaders<'a>(&'a mut HeaderMap);

impl CookieSink for ActixHeaders<'_> {
    fn append_set_cookie(&mut self, line: String) -> Result<(), Error> {
        let value = HeaderValue::try_from(line).map_err(|e| Error::Header(e.to_string()))?;
        self.0.append(header::SET_COOKIE, value);
        Ok(())
    }

    fn add_vary_cookie(&mut self) {
        let headers = &*self.0;
        let update = merged_vary(|| headers.get_all(header::VARY).map(HeaderValue::as_bytes));
        if let VaryUpdate::InsertCookie = update {
            self.0.insert(header::VARY, HeaderValue::from_static("Cookie"));
        } else if let VaryUpdate::Replace(value) = update {
            match HeaderValue::from_bytes(&value) {
                Ok(value) => {
                    self.0.insert(header::VARY, value);
                }
                Err(_) => self.0.append(header::VARY, HeaderValue::from_static("Cookie")),
            }
        }
    }
}

/// An actix-web response as a cookie sink, for a handler that saves its session itself before
/// a side effect ([`Tracked::save_async`]; docs/guide.md, "Reacting to a failed save before a
/// side effect"): the middleware then has nothing left to save for that session.
///
/// ```
/// # #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
/// # struct Order { paid: bool }
/// use actix_web::HttpResponse;
/// use session_runtime::{Error, Tracked};
///
/// async fn pay(mut order: Tracked<Order>) -> HttpResponse {
///     order.paid = true;
///     let mut response = HttpResponse::Ok().body("charged");
///     match order.save_async(&mut response).await {
///         Ok(_) => response, // charge the card here, then answer
///         Err(Error::Conflict { .. }) => HttpResponse::Conflict().body("changed meanwhile: not charged"),
///         Err(_) => HttpResponse::ServiceUnavailable().body("not charged, try again"),
///     }
/// }
/// ```
impl<B> CookieSink for HttpResponse<B> {
    fn append_set_cookie(&mut self, line: String) -> Result<(), Error> {
        ActixHeaders(self.headers_mut()).append_set_cookie(line)
    }

    fn add_vary_cookie(&mut self) {
        ActixHeaders(self.headers_mut()).add_vary_cookie();
    }
}

/// Middleware that opens sessions on demand and saves them after the handler, error responses
/// included; a failed save becomes a `500` with [`SaveFailed`](crate::SaveFailed) in its
/// extensions (`503` when a server-side session store failed or timed out), its body empty in
/// release builds and the error's text in debug builds.
#[derive(Debug, Clone, Default)]
pub struct SessionMiddleware {
    pub(crate) settings: LayerSettings,
}

impl SessionMiddleware {
    /// Middleware using the process-wide backend.
    pub fn new() -> Self {
        SessionMiddleware { settings: LayerSettings::new(None) }
    }

    /// Middleware using the given backend.
    pub fn with_interface(interface: impl Into<InterfaceRef>) -> Self {
        SessionMiddleware { settings: LayerSettings::new(Some(interface.into())) }
    }

    /// Opens session `T` on every request, so a permanent session is refreshed on every route
    /// (see [`SessionLayer::eager`](crate::tower::SessionLayer::eager) when the `tower` feature is on).
    pub fn eager<T: Session + Send + 'static>(self) -> Self {
        SessionMiddleware { settings: self.settings.eager::<T>() }
    }

    /// Changes a few of session `T`'s cookie settings at run time, checked by the derive's
    /// rules before the server serves (see
    /// [`SessionLayer::configure`](crate::tower::SessionLayer::configure) when the `tower`
    /// feature is on).
    ///
    /// ```
    /// use session_runtime::actix::SessionMiddleware;
    /// # #[derive(serde::Serialize, serde::Deserialize, Default)]
    /// #[derive(session_runtime::Session)]
    /// #[session(secure)]
    /// struct Visit { count: u32 }
    ///
    /// let local = std::env::var("SESSION_COOKIE_SECURE").is_ok_and(|v| v == "false");
    /// let middleware = SessionMiddleware::new().configure::<Visit>(|c| c.secure(!local))?;
    /// # let _ = middleware;
    /// # Ok::<(), session_runtime::ConfigError>(())
    /// ```
    pub fn configure<T: Session + 'static>(
        self,
        change: impl FnOnce(CookieConfigBuilder) -> CookieConfigBuilder,
    ) -> Result<Self, ConfigError> {
        Ok(SessionMiddleware { settings: self.settings.configure::<T>(change)? })
    }

    /// Uses `config` (from [`Session::configure`]) for session `T` instead of its
    /// `#[session(...)]` config.
    ///
    /// ```
    /// use session_runtime::{actix::SessionMiddleware, Session};
    /// # #[derive(serde::Serialize, serde::Deserialize, Default)]
    /// #[derive(Session)]
    /// struct Visit { count: u32 }
    /// let middleware = SessionMiddleware::new().with_config::<Visit>(Visit::configure(|c| c.path("/app"))?);
    /// # let _ = middleware;
    /// # Ok::<(), session_runtime::ConfigError>(())
    /// ```
    pub fn with_config<T: Session + 'static>(self, config: CookieConfig) -> Self {
        SessionMiddleware { settings: self.settings.with_config::<T>(config) }
    }
}

impl<S, B> Transform<S, ServiceRequest> for SessionMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = SessionMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SessionMiddlewareService { service: Rc::new(service), settings: self.settings.clone() }))
    }
}

/// The service [`SessionMiddleware`] wraps around the app.
pub struct SessionMiddlewareService<S> {
    service: Rc<S>,
    settings: LayerSettings,
}

impl<S, B> Service<ServiceRequest> for SessionMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let (scope, eager) = self.settings.start(request.request());
        request.extensions_mut().insert(scope.clone());
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            for opening in eager {
                opening.await;
            }
            let mut response = service.call(request).await?;
            let saved = scope.finish(&mut ActixHeaders(response.headers_mut())).await;
            match saved {
                Ok(reports) => {
                    if !reports.0.is_empty() {
                        response.response_mut().extensions_mut().insert(reports);
                    }
                    Ok(response.map_into_left_body())
                }
                Err(error) => {
                    let failed = failed_response(FailedSave::of(&error));
                    Ok(response.into_response(failed).map_into_right_body())
                }
            }
        })
    }
}

/// The response replacing the app's when saving failed.
fn failed_response(failed: FailedSave) -> HttpResponse {
    // actix-web has its own `http` types: the status crosses by number.
    let status = actix_web::http::StatusCode::from_u16(failed.status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match failed.body {
        Some(text) => HttpResponse::build(status).content_type(FAILED_SAVE_CONTENT_TYPE).body(text),
        None => HttpResponse::new(status),
    };
    response.extensions_mut().insert(failed.extension);
    response
}

/// The extractor's error when no [`SessionMiddleware`] wraps the route: `500`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingSessionMiddleware;

impl std::fmt::Display for MissingSessionMiddleware {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a session was extracted but no SessionMiddleware wraps this app: add `.wrap(SessionMiddleware::new())`")
    }
}

impl ResponseError for MissingSessionMiddleware {
    fn error_response(&self) -> HttpResponse<BoxBody> {
        HttpResponse::InternalServerError().body(self.to_string())
    }
}

impl<T: Session + Send + 'static> FromRequest for Tracked<T> {
    type Error = MissingSessionMiddleware;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let scope = request.extensions().get::<SessionScope>().cloned();
        let opening = scope.map(|scope| scope.open_async::<T, _>(request));
        Box::pin(async move {
            match opening {
                Some(opening) => Ok(opening.await),
                None => Err(MissingSessionMiddleware),
            }
        })
    }
}
