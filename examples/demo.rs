//! The demo app: `cargo run --example demo`, then open the printed URL.
//!
//! The key comes from `SESSION_SECRET_KEY` (at least 32 bytes) when set; otherwise a random key
//! is generated, so sessions end when the server stops. `PORT` picks the port (default 3000).

use std::sync::Arc;

use session_runtime::{Keys, SecretKey, SecureCookieSessionInterface};

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
    let backend = Arc::new(SecureCookieSessionInterface::new(keys));
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("demo listening on http://{}", listener.local_addr()?);
    axum::serve(listener, session_workspace::demo::router(backend)).await?;
    Ok(())
}
