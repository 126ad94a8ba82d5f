//! Serving a router on 127.0.0.1 for end-to-end tests, and a real HTTP client with a cookie jar.
#![allow(dead_code)]

use std::net::SocketAddr;

/// Serves `router` on an ephemeral loopback port; the server stops with the test's runtime.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind loopback");
    let addr: SocketAddr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// A client with its own cookie jar, not following redirects (tests look at each response).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A client with a cookie jar that follows redirects.
pub fn following_client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).build().expect("client")
}

pub fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().map(|v| v.to_str().expect("ascii").to_owned()).collect()
}

pub fn varies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all("vary").iter().map(|v| v.to_str().expect("ascii").to_owned()).collect()
}
