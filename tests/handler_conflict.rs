//! A handler behind the layer that saves its session itself, before a side effect (issue 24,
//! item 7): `save_async` inside the handler returns the conflict or the store failure while the
//! handler can still act on it (skip the side effect, answer its own 409/503 with a message), and
//! the layer then neither saves that session again nor replaces the handler's response. The
//! pattern is in docs/guide.md ("Reacting to a failed save before a side effect"). Over the
//! axum layer on memory, Redis and PostgreSQL; over the actix-web middleware on memory (the same
//! save path, the handler saving into its `HttpResponse`).
//!
//! The order is forced: the handler parks after opening until the test has let another request
//! change the same field, then saves.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/server.rs"]
mod server;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};
use session_runtime::backend::{Record, SessionStore, StoreFuture, Written};
use session_runtime::tower::SessionLayer;
use session_runtime::{
    ConflictPolicy, Error, Keys, SecretKey, ServerSideSessionInterface, Session, StoreError, Tracked,
};
use tokio::sync::Notify;

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "sid", on_conflict = "reject")]
struct Order {
    status: String,
}

/// What the test controls and observes: the side effects run, and the parking of `/pay`.
#[derive(Clone, Default)]
struct Control {
    charged: Arc<AtomicU32>,
    /// Set by `/pay` once it has opened the session; `/pay` then waits for `go`.
    opened: Arc<Notify>,
    go: Arc<Notify>,
}

/// The guide's pattern: save first, then the side effect, answering the save's failure itself.
async fn pay(Extension(control): Extension<Control>, mut order: Tracked<Order>) -> Response {
    order.status = "paid".into();
    control.opened.notify_one();
    control.go.notified().await;
    let mut headers = HeaderMap::new();
    match order.save_async(&mut headers).await {
        Ok(_) => {}
        Err(Error::Conflict { .. }) => {
            return (StatusCode::CONFLICT, "the order changed meanwhile: not charged, reload")
                .into_response();
        }
        Err(Error::Store(_)) => {
            return (StatusCode::SERVICE_UNAVAILABLE, "not charged, try again").into_response();
        }
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
    // The side effect, only after the session is saved.
    control.charged.fetch_add(1, Ordering::SeqCst);
    (headers, "charged").into_response()
}

async fn cancel(mut order: Tracked<Order>) {
    order.status = "cancelled".into();
}

async fn start(mut order: Tracked<Order>) {
    order.status = "open".into();
}

/// A store whose saves fail (as a store down or timing out) once `failing` is set.
#[derive(Debug)]
struct Flaky {
    inner: Arc<dyn SessionStore>,
    failing: Arc<std::sync::atomic::AtomicBool>,
}

impl SessionStore for Flaky {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        self.inner.load(id)
    }
    fn save<'a>(&'a self, record: Record<'a>) -> StoreFuture<'a, Written> {
        if self.failing.load(Ordering::SeqCst) {
            return Box::pin(async { Err(StoreError::Unavailable("the store is down".into())) });
        }
        self.inner.save(record)
    }
    fn touch<'a>(&'a self, id: &'a str, ttl: Duration, user: Option<&'a str>) -> StoreFuture<'a, bool> {
        self.inner.touch(id, ttl, user)
    }
    fn delete<'a>(&'a self, id: &'a str, user: Option<&'a str>) -> StoreFuture<'a, ()> {
        self.inner.delete(id, user)
    }
    fn revoke_user<'a>(&'a self, user: &'a str) -> StoreFuture<'a, usize> {
        self.inner.revoke_user(user)
    }
}

struct App {
    base: String,
    control: Control,
    failing: Arc<std::sync::atomic::AtomicBool>,
    cookie: String,
    http: reqwest::Client,
}

async fn app() -> App {
    let store = backends::current().store().expect("a server-side backend");
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flaky = Flaky { inner: store, failing: Arc::clone(&failing) };
    let keys = Keys::new(SecretKey::try_from(&[5u8; 32][..]).unwrap());
    let backend = ServerSideSessionInterface::new(keys, flaky).on_conflict(ConflictPolicy::Reject);
    let control = Control::default();
    let router = Router::new()
        .route("/start", post(start))
        .route("/pay", post(pay))
        .route("/cancel", post(cancel))
        .layer(SessionLayer::with_interface(Arc::new(backend)))
        .layer(Extension(control.clone()));
    let base = server::serve(router).await;
    let http = reqwest::Client::new();
    let started = http.post(format!("{base}/start")).send().await.unwrap();
    let cookie = server::set_cookies(&started)[0].split(';').next().unwrap().to_owned();
    App { base, control, failing, cookie, http }
}

/// The same app on actix-web: the handler saves into its `HttpResponse`.
mod on_actix {
    use super::*;
    use actix_web::{HttpResponse, HttpServer, web};
    use session_runtime::actix::SessionMiddleware;

    async fn pay(control: web::Data<Control>, mut order: Tracked<Order>) -> HttpResponse {
        order.status = "paid".into();
        control.opened.notify_one();
        control.go.notified().await;
        let mut response = HttpResponse::Ok().body("charged");
        match order.save_async(&mut response).await {
            Ok(_) => {}
            Err(Error::Conflict { .. }) => {
                return HttpResponse::Conflict().body("the order changed meanwhile: not charged, reload");
            }
            Err(Error::Store(_)) => return HttpResponse::ServiceUnavailable().body("not charged, try again"),
            Err(_) => return HttpResponse::InternalServerError().finish(),
        }
        control.charged.fetch_add(1, Ordering::SeqCst);
        response
    }

    async fn start(order: Tracked<Order>) -> &'static str {
        super::start(order).await;
        "started"
    }

    async fn cancel(order: Tracked<Order>) -> &'static str {
        super::cancel(order).await;
        "cancelled"
    }

    pub(super) async fn app() -> App {
        let store = backends::current().store().expect("a server-side backend");
        let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flaky = Flaky { inner: store, failing: Arc::clone(&failing) };
        let keys = Keys::new(SecretKey::try_from(&[5u8; 32][..]).unwrap());
        let backend =
            Arc::new(ServerSideSessionInterface::new(keys, flaky).on_conflict(ConflictPolicy::Reject));
        let control = Control::default();
        let (sender, receiver) = std::sync::mpsc::channel();
        let data = web::Data::new(control.clone());
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    actix_web::App::new()
                        .app_data(data.clone())
                        .wrap(SessionMiddleware::with_interface(Arc::clone(&backend)))
                        .route("/start", web::post().to(start))
                        .route("/pay", web::post().to(pay))
                        .route("/cancel", web::post().to(cancel))
                })
                .workers(1)
                .bind(("127.0.0.1", 0))
                .unwrap();
                sender.send(server.addrs()[0]).unwrap();
                server.run().await.unwrap();
            });
        });
        let base = format!("http://{}", receiver.recv().unwrap());
        let http = reqwest::Client::new();
        let started = http.post(format!("{base}/start")).send().await.unwrap();
        let cookie = server::set_cookies(&started)[0].split(';').next().unwrap().to_owned();
        App { base, control, failing, cookie, http }
    }
}

impl App {
    /// Sends `/pay`, lets `between` run once it has opened the session, then lets it save.
    async fn pay_with(
        &self,
        between: impl std::future::Future<Output = ()>,
    ) -> (StatusCode, String, Vec<String>) {
        let request = self.http.post(format!("{}/pay", self.base)).header("cookie", &self.cookie).send();
        let paying = tokio::spawn(request);
        self.control.opened.notified().await;
        between.await;
        self.control.go.notify_one();
        let response = paying.await.unwrap().unwrap();
        let cookies = server::set_cookies(&response);
        (response.status(), response.text().await.unwrap(), cookies)
    }
}

backends::tests!(a_handler_sees_the_conflict_before_its_side_effect [] memory redis postgres);
/// Another request changes the same field while `/pay` runs: the handler's own save returns
/// `Error::Conflict`, the card is not charged, and the handler's 409 with its message reaches the
/// client (the layer does not replace it, nor save the session again).
async fn a_handler_sees_the_conflict_before_its_side_effect() {
    conflict_before_side_effect(app().await).await;
}

backends::tests!(an_actix_handler_sees_the_conflict_before_its_side_effect [] memory);
/// The same on actix-web, the handler saving into its `HttpResponse`.
async fn an_actix_handler_sees_the_conflict_before_its_side_effect() {
    conflict_before_side_effect(on_actix::app().await).await;
}

async fn conflict_before_side_effect(app: App) {
    let cancel = async {
        let response =
            app.http.post(format!("{}/cancel", app.base)).header("cookie", &app.cookie).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    };
    let (status, body, cookies) = app.pay_with(cancel).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body, "the order changed meanwhile: not charged, reload", "the handler's own response");
    assert!(cookies.is_empty(), "{cookies:?}");
    assert_eq!(app.control.charged.load(Ordering::SeqCst), 0, "no side effect after a refused save");

    // Nothing in between: saved by the handler, charged once, its cookie in the response.
    let (status, body, cookies) = app.pay_with(async {}).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "charged"));
    assert_eq!(cookies.len(), 1, "one Set-Cookie, the handler's save: {cookies:?}");
    assert_eq!(app.control.charged.load(Ordering::SeqCst), 1);
}

backends::tests!(a_handler_sees_a_store_failure_before_its_side_effect [] memory redis postgres);
/// The store fails the save: the handler gets `Error::Store`, does not charge, and answers its
/// own 503 with its message.
async fn a_handler_sees_a_store_failure_before_its_side_effect() {
    store_failure_before_side_effect(app().await).await;
}

backends::tests!(an_actix_handler_sees_a_store_failure_before_its_side_effect [] memory);
/// The same on actix-web.
async fn an_actix_handler_sees_a_store_failure_before_its_side_effect() {
    store_failure_before_side_effect(on_actix::app().await).await;
}

async fn store_failure_before_side_effect(app: App) {
    let down = async { app.failing.store(true, Ordering::SeqCst) };
    let (status, body, cookies) = app.pay_with(down).await;
    assert_eq!((status, body.as_str()), (StatusCode::SERVICE_UNAVAILABLE, "not charged, try again"));
    assert!(cookies.is_empty(), "{cookies:?}");
    assert_eq!(app.control.charged.load(Ordering::SeqCst), 0);
}
