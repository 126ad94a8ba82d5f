//! The tower layer on a bare hyper server (no axum): `SessionLayer` around a `service_fn`, with
//! the session opened through `session_runtime::tower::open`; and the layer's answer when a save
//! fails, on hyper and on axum.

#[path = "common/server.rs"]
mod server;

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use server::{client, set_cookies};
use session_runtime::tower::{SessionLayer, open};
use session_runtime::{Keys, SecretKey, SecureCookieSessionInterface, Session};
use tower::{ServiceBuilder, ServiceExt};

#[derive(Session, Serialize, Deserialize, Default)]
struct Hits {
    hits: u64,
}

async fn handle(request: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let body = match open::<Hits, _>(&request) {
        Some(mut hits) => {
            hits.hits += 1;
            hits.hits.to_string()
        }
        None => "no layer".to_owned(),
    };
    Ok(http::Response::new(Full::new(Bytes::from(body))))
}

/// Serves `layer` around [`handle`] on an ephemeral loopback port.
async fn serve_hyper(layer: SessionLayer) -> String {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let service = ServiceBuilder::new().layer(layer.clone()).service_fn(handle);
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                    .await;
            });
        }
    });
    base
}

#[tokio::test]
async fn layer_works_on_a_bare_hyper_stack() {
    let key = SecretKey::try_from(&[8u8; 32][..]).unwrap();
    let layer = SessionLayer::with_interface(Arc::new(SecureCookieSessionInterface::new(Keys::new(key))));
    let base = serve_hyper(layer).await;
    let c = client();
    for expected in 1..=3 {
        let r = c.get(&base).send().await.unwrap();
        assert_eq!(set_cookies(&r).len(), 1);
        assert_eq!(r.text().await.unwrap(), expected.to_string());
    }
}

/// A save that fails (here: no key to sign the changed session) is a `500` whose body says why
/// in debug builds, as the actix middleware's does, and is empty in release builds.
#[tokio::test]
async fn a_failed_save_says_why_in_debug_builds() {
    let layer = || SessionLayer::with_interface(Arc::new(SecureCookieSessionInterface::without_keys()));
    let expected = |body: &str| {
        if cfg!(debug_assertions) {
            assert!(body.contains("no secret key was set"), "{body:?}");
        } else {
            assert_eq!(body, "");
        }
    };

    let r = client().get(serve_hyper(layer()).await).send().await.unwrap();
    assert_eq!(r.status(), 500);
    assert!(set_cookies(&r).is_empty());
    let content_type = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.is_some(), cfg!(debug_assertions), "{content_type:?}");
    expected(&r.text().await.unwrap());

    // The same answer from an axum router, whose body type is axum's own.
    async fn bump(mut hits: session_runtime::Tracked<Hits>) {
        hits.hits += 1;
    }
    let router = axum::Router::new().route("/", axum::routing::get(bump)).layer(layer());
    let r = router.oneshot(http::Request::new(axum::body::Body::empty())).await.unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.extensions().get::<session_runtime::SaveFailed>().is_some());
    let body = r.into_body().collect().await.unwrap().to_bytes();
    expected(std::str::from_utf8(&body).unwrap());
}
