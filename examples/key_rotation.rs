//! Key rotation: cookies signed with the old key keep working while it is a fallback, and are
//! re-signed with the new key on the first response, even when the session did not change;
//! `Keys::verified_counts()` shows when the old key stops being used.
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
    let rotated = Keys::new(new_key.clone()).with_fallbacks([old_key]);
    let during: Arc<dyn SessionInterface> = Arc::new(SecureCookieSessionInterface::new(rotated.clone()));
    let request = http::Request::builder().header("cookie", &old_cookie).body(())?;
    let login = Login::open_with(&during, &request);
    println!("with the old key as a fallback: user = {:?}", login.user);
    // Only read: the cookie is re-signed with the new key all the same.
    let mut response = http::Response::new(());
    login.save(&mut response)?;
    let new_cookie = cookie_of(&response);
    assert_ne!(new_cookie, old_cookie);
    let request = http::Request::builder().header("cookie", &new_cookie).body(())?;
    let mut response = http::Response::new(());
    Login::open_with(&during, &request).save(&mut response)?;
    assert!(response.headers().get("set-cookie").is_none(), "already under the new key");
    assert_eq!(rotated.verified_counts(), [1, 1]);
    println!("cookies verified by [new key, old key]: {:?}", rotated.verified_counts());

    // Step 2, after the lifetime has passed: drop the old key.
    let after: Arc<dyn SessionInterface> = Arc::new(SecureCookieSessionInterface::new(Keys::new(new_key)));
    let stale = Login::open_with(&after, &http::Request::builder().header("cookie", &old_cookie).body(())?);
    assert_eq!(stale.rejection(), Some(Rejection::BadSignature));
    println!("old cookie after the old key is gone: {:?}", stale.rejection());
    let fresh = Login::open_with(&after, &http::Request::builder().header("cookie", &new_cookie).body(())?);
    println!("re-signed cookie: user = {:?}", fresh.user);
    Ok(())
}
