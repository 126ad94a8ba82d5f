//! Key rotation: cookies signed with the old key keep working while it is a fallback, and are
//! re-signed with the new key the next time they are saved.
//!
//! `cargo run --example key_rotation`

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use session_runtime::{Keys, Rejection, SecretKey, SecureCookieSessionInterface, Session, SessionInterface};

#[derive(Session, Serialize, Deserialize, Default)]
struct Login {
    user: Option<String>,
}

fn cookie_of(response: &http::Response<()>) -> String {
    let line = response.headers()["set-cookie"].to_str().unwrap_or_default();
    line.split(';').next().unwrap_or_default().to_owned()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let old_key = SecretKey::generate()?;
    let new_key = SecretKey::generate()?;

    // Before the rotation: the old key signs.
    let before: Arc<dyn SessionInterface> =
        Arc::new(SecureCookieSessionInterface::new(Keys::new(old_key.clone())));
    let mut login = Login::open_with(&before, &http::Request::new(()));
    login.user = Some("alice".into());
    let mut response = http::Response::new(());
    login.save(&mut response)?;
    let old_cookie = cookie_of(&response);

    // Step 1 of the rotation: the new key signs, the old one still verifies.
    let during: Arc<dyn SessionInterface> =
        Arc::new(SecureCookieSessionInterface::new(Keys::new(new_key.clone()).with_fallbacks([old_key])));
    let request = http::Request::builder().header("cookie", &old_cookie).body(())?;
    let mut login = Login::open_with(&during, &request);
    println!("with the old key as a fallback: user = {:?}", login.user);
    login.user = Some("alice (re-signed)".into());
    let mut response = http::Response::new(());
    login.save(&mut response)?;
    let new_cookie = cookie_of(&response);

    // Step 2, after the lifetime has passed: drop the old key.
    let after: Arc<dyn SessionInterface> = Arc::new(SecureCookieSessionInterface::new(Keys::new(new_key)));
    let stale = Login::open_with(&after, &http::Request::builder().header("cookie", &old_cookie).body(())?);
    assert_eq!(stale.rejection(), Some(Rejection::BadSignature));
    println!("old cookie after the old key is gone: {:?}", stale.rejection());
    let fresh = Login::open_with(&after, &http::Request::builder().header("cookie", &new_cookie).body(())?);
    println!("re-signed cookie: user = {:?}", fresh.user);
    Ok(())
}
