//! actix-web: the middleware opens sessions on demand and saves them after each handler.
//!
//! `cargo run --example actix --features actix`... or simply `cargo run --example actix`
//! (the workspace package enables the feature), then open http://127.0.0.1:3002/. `PORT` picks
//! another port (`0`: any free one; the address is printed).

use std::sync::Arc;

use actix_web::{App, HttpServer, web};
use serde::{Deserialize, Serialize};
use session_runtime::actix::SessionMiddleware;
use session_runtime::{Keys, SecretKey, SecureCookieSessionInterface, Session, Tracked};

#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "actix_session")]
struct Visit {
    count: u32,
}

async fn index(mut visit: Tracked<Visit>) -> String {
    visit.count += 1; // saved by the middleware
    format!("visit {}\n", visit.count)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let key = SecretKey::generate().map_err(std::io::Error::other)?;
    let backend = Arc::new(SecureCookieSessionInterface::new(Keys::new(key)));
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3002);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(SessionMiddleware::with_interface(Arc::clone(&backend)))
            .route("/", web::get().to(index))
    })
    .bind(("127.0.0.1", port))?;
    for addr in server.addrs() {
        println!("actix demo on http://{addr}/");
    }
    server.run().await
}
