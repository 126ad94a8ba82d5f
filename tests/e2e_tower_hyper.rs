//! The tower layer on a bare hyper server (no axum): `SessionLayer` around a `service_fn`, with
//! the session opened through `session_runtime::tower::open`.

#[path = "common/server.rs"]
mod server;

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use server::{client, set_cookies};
use session_runtime::tower::{SessionLayer, open};
use session_runtime::{Keys, SecretKey, SecureCookieSessionInterface, Session};
use tower::ServiceBuilder;

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

#[tokio::test]
async fn layer_works_on_a_bare_hyper_stack() {
    let key = SecretKey::try_from(&[8u8; 32][..]).unwrap();
    let layer = SessionLayer::with_interface(Arc::new(SecureCookieSessionInterface::new(Keys::new(key))));
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
    let c = client();
    for expected in 1..=3 {
        let r = c.get(&base).send().await.unwrap();
        assert_eq!(set_cookies(&r).len(), 1);
        assert_eq!(r.text().await.unwrap(), expected.to_string());
    }
}
