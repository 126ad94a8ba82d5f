//! Sessions without a framework: a hyper server that opens the session from the request, changes
//! it and saves it into the response by hand.
//!
//! `cargo run --example plain_http`, then `curl -c jar -b jar http://127.0.0.1:3001/` a few times.
//! `PORT` picks another port (`0`: any free one; the address is printed).

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use session_runtime::{Keys, SecretKey, SecureCookieSessionInterface, Session, SessionInterface};

#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "counter", lifetime = "1h")]
struct Counter {
    hits: u64,
}

async fn handle(
    backend: Arc<dyn SessionInterface>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut counter = Counter::open_with(&backend, &request); // never fails on client input
    counter.hits += 1;
    let mut response = Response::new(Full::new(Bytes::from(format!("hit {}\n", counter.hits))));
    if let Err(error) = counter.save(&mut response) {
        // Server-side only: no key for a changed session, a cookie too large, ...
        eprintln!("session not saved: {error}");
        *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    }
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let keys = Keys::from_env().map_or_else(|| SecretKey::generate().map(Keys::new), Ok)?;
    let backend: Arc<dyn SessionInterface> = Arc::new(SecureCookieSessionInterface::new(keys));
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3001);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("plain hyper server on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let backend = Arc::clone(&backend);
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(Arc::clone(&backend), request));
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
