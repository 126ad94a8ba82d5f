//! The demo app: `cargo run --example demo`, then open the printed URL.
//!
//! The key comes from `SESSION_SECRET_KEY` (at least 32 bytes) when set; otherwise a random key
//! is generated, so sessions end when the server stops. `PORT` picks the port (default 3000).
//! `SESSION_STORE=memory` or `SESSION_STORE=redis` (and `REDIS_URL`) keeps sessions server-side,
//! and then the account page (`/account`) lists the user's sessions and ends them; with the
//! default signed cookie it signs out every other device (revocable cookies, an in-process epoch
//! source).
//! `SESSION_COOKIE_SECURE=true` (behind HTTPS) and `SESSION_COOKIE_DOMAIN` change the cookie's
//! attributes at run time (docs/guide.md, "Settings from the environment").

use std::sync::Arc;

use session_runtime::epoch::{Epochs, MemoryEpochs};
use session_runtime::{
    Keys, RedisStore, SecretKey, SecureCookieSessionInterface, ServerSideSessionInterface,
};
use session_workspace::demo::{Accounts, server_side_accounts};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let keys = match Keys::from_env() {
        Some(keys) => {
            eprintln!("using the key ring from SESSION_SECRET_KEY");
            keys
        }
        None => {
            eprintln!(
                "SESSION_SECRET_KEY is not set: generated a random key (sessions end when the server stops)"
            );
            Keys::new(SecretKey::generate()?)
        }
    };
    // SESSION_STORE=memory or SESSION_STORE=redis (with REDIS_URL) keeps sessions on the server
    // (docs/server-side.md); the default is the signed cookie. The handlers are the same.
    let server_side = match std::env::var("SESSION_STORE").as_deref() {
        Ok("memory") => Some(ServerSideSessionInterface::memory(keys.clone())),
        Ok("redis") => {
            let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
            // Never the URL itself: it may hold a password.
            eprintln!("sessions in Redis (REDIS_URL)");
            Some(ServerSideSessionInterface::new(keys.clone(), RedisStore::open(&url)?))
        }
        _ => None,
    };
    let (layer, accounts) = match server_side {
        Some(backend) => {
            let backend = Arc::new(server_side_accounts(backend));
            (configured(backend.clone())?, Accounts::ServerSide(backend))
        }
        None => {
            // Revocable cookies: each user's epoch in this process (sessions end with it anyway;
            // a fleet would use RedisEpochs or PostgresEpochs).
            let backend =
                SecureCookieSessionInterface::new(keys).with_epochs(Epochs::new(MemoryEpochs::new()));
            (configured(Arc::new(backend))?, Accounts::Cookie)
        }
    };
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("demo listening on http://{}", listener.local_addr()?);
    axum::serve(listener, session_workspace::demo::router_with_accounts(layer, accounts)).await?;
    Ok(())
}

/// The demo's layer over `backend` with the cookie settings of the environment, checked here,
/// before serving: a bad value stops the demo with the rule's message.
fn configured(
    backend: impl Into<session_runtime::InterfaceRef>,
) -> Result<session_runtime::tower::SessionLayer, Box<dyn std::error::Error>> {
    session_workspace::demo::configured_layer(backend, |name| std::env::var(name).ok())
}
