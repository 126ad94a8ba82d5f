//! Encrypted sessions end to end over loopback HTTP, with the axum layer and the actix middleware:
//! the sign-in, counter, flash and sign-out flows work on an `#[session(encrypted)]` type, and no
//! cookie the client receives shows any of the session's plaintext. Then the live move from signed
//! to encrypted: a server signs, is redeployed as encrypted with `accept_signed`, and the same
//! client keeps its session while its cookie is re-sealed on the first response; once the opt-in is
//! removed, the old signed cookie is refused (`Rejection::NotEncrypted`).

#[path = "common/server.rs"]
mod server;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use server::{client, serve, set_cookies, varies};
use session_runtime::test_util::SessionKit;
use session_runtime::tower::SessionLayer;
use session_runtime::{
    Keys, SecretKey, SecureCookieSessionInterface, Session, SessionInterface, Tracked, is_sealed_value,
};

/// The plaintext that must never appear in a cookie.
const USER: &str = "alice-in-plaintext";
const ROLE: &str = "auditor-role";

fn interface() -> Arc<dyn SessionInterface> {
    Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::try_from(&[0x5e; 32][..]).unwrap())))
}

/// Every base64 window of a plaintext string, at the three alignments, so a plaintext that was
/// only encoded (not encrypted) is found wherever it sits in the value.
fn encodings(plain: &str) -> Vec<String> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    (0..3)
        .map(|shift| {
            let padded = format!("{}{plain}", "x".repeat(shift));
            let text = engine.encode(padded.as_bytes());
            // Drop the characters that mix in the padding prefix or the unknown suffix.
            let skip = (shift * 4).div_ceil(3) + 1;
            text[skip.min(text.len())..text.len().saturating_sub(2)].to_owned()
        })
        .filter(|window| window.len() >= 8)
        .collect()
}

/// The value of the `name` cookie in a `Set-Cookie` line, after checking it is sealed and shows
/// nothing of the plaintext.
fn assert_sealed(line: &str, name: &str) -> String {
    let value = line.split(';').next().unwrap().strip_prefix(&format!("{name}=")).unwrap().to_owned();
    if value.is_empty() {
        return value; // a delete cookie
    }
    assert!(is_sealed_value(value.as_bytes()), "{line}");
    for plain in [USER, ROLE, "user", "count", "roles"] {
        assert!(!line.contains(plain), "{plain} in {line}");
        for window in encodings(plain) {
            assert!(!line.contains(&window), "{plain} (as {window}) in {line}");
        }
    }
    value
}

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "vault", encrypted)]
struct Vault {
    user: Option<String>,
    roles: Vec<String>,
    count: u32,
}

async fn sign_in(mut vault: Tracked<Vault>) -> &'static str {
    vault.user = Some(USER.to_owned());
    vault.roles = vec![ROLE.to_owned()];
    vault.flash(format!("Welcome, {USER}!"));
    "signed in"
}

async fn count(mut vault: Tracked<Vault>) -> String {
    vault.count += 1;
    vault.count.to_string()
}

async fn show(mut vault: Tracked<Vault>) -> String {
    let flashes: Vec<String> = vault.take_flashes().into_iter().map(|f| f.message).collect();
    format!("{:?} {:?} {} {flashes:?} {:?}", vault.user, vault.roles, vault.count, vault.rejection())
}

async fn sign_out(mut vault: Tracked<Vault>) -> &'static str {
    vault.clear();
    "signed out"
}

fn axum_app() -> Router {
    Router::new()
        .route("/login", post(sign_in))
        .route("/count", post(count))
        .route("/show", get(show))
        .route("/logout", post(sign_out))
        .layer(SessionLayer::with_interface(interface()))
}

#[tokio::test]
async fn axum_flows_on_an_encrypted_type_leak_no_plaintext() {
    let base = serve(axum_app()).await;
    let c = client();
    let r = c.post(format!("{base}/login")).send().await.unwrap();
    let first = assert_sealed(&set_cookies(&r)[0], "vault");
    assert_eq!(varies(&r), ["Cookie"]);
    for expected in 1..=3 {
        let r = c.post(format!("{base}/count")).send().await.unwrap();
        assert_sealed(&set_cookies(&r)[0], "vault");
        assert_eq!(r.text().await.unwrap(), expected.to_string());
    }
    let r = c.get(format!("{base}/show")).send().await.unwrap();
    let lines = set_cookies(&r);
    assert_sealed(&lines[0], "vault");
    let text = r.text().await.unwrap();
    assert_eq!(text, format!("Some({USER:?}) [{ROLE:?}] 3 [\"Welcome, {USER}!\"] None"));
    let r = c.get(format!("{base}/show")).send().await.unwrap();
    assert!(set_cookies(&r).is_empty(), "read only, nothing changed: no cookie");
    assert!(r.text().await.unwrap().ends_with("3 [] None"), "the flash was shown once");
    let r = c.post(format!("{base}/logout")).send().await.unwrap();
    assert!(set_cookies(&r)[0].contains("Max-Age=0"));
    let r = c.get(format!("{base}/show")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "None [] 0 [] None");
    // The first cookie is still valid; tampered with, it is refused with a rejection.
    let mut forged = first.into_bytes();
    forged[30] = if forged[30] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let r = reqwest::Client::new()
        .get(format!("{base}/show"))
        .header("cookie", format!("vault={forged}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "None [] 0 [] Some(BadSignature)");
}

/// Starts an actix app serving `Vault` on a loopback port in its own thread.
fn serve_actix() -> String {
    use actix_web::{App, HttpServer, web};
    let (sender, receiver) = std::sync::mpsc::channel();
    let backend = interface();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                App::new()
                    .wrap(session_runtime::actix::SessionMiddleware::with_interface(Arc::clone(&backend)))
                    .route("/login", web::post().to(sign_in))
                    .route("/count", web::post().to(count))
                    .route("/show", web::get().to(show))
                    .route("/logout", web::post().to(sign_out))
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap();
            sender.send(server.addrs()[0]).unwrap();
            server.run().await.unwrap();
        });
    });
    format!("http://{}", receiver.recv().unwrap())
}

#[tokio::test]
async fn actix_flows_on_an_encrypted_type_leak_no_plaintext() {
    let base = serve_actix();
    let c = client();
    let r = c.post(format!("{base}/login")).send().await.unwrap();
    assert_sealed(&set_cookies(&r)[0], "vault");
    for expected in 1..=2 {
        let r = c.post(format!("{base}/count")).send().await.unwrap();
        assert_sealed(&set_cookies(&r)[0], "vault");
        assert_eq!(r.text().await.unwrap(), expected.to_string());
    }
    let r = c.get(format!("{base}/show")).send().await.unwrap();
    assert_sealed(&set_cookies(&r)[0], "vault");
    assert_eq!(r.text().await.unwrap(), format!("Some({USER:?}) [{ROLE:?}] 2 [\"Welcome, {USER}!\"] None"));
    let r = c.post(format!("{base}/logout")).send().await.unwrap();
    assert!(set_cookies(&r)[0].contains("Max-Age=0"));
    let r = c.get(format!("{base}/show")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "None [] 0 [] None");
}

// The same session in three deployments: signed, then encrypted accepting signed cookies, then
// encrypted only. Same cookie name, same fields, same key ring.

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "app")]
struct Signed {
    user: Option<String>,
    count: u32,
}

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "app", encrypted, accept_signed)]
struct Moving {
    user: Option<String>,
    count: u32,
}

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "app", encrypted)]
struct Sealed {
    user: Option<String>,
    count: u32,
}

macro_rules! deployment {
    ($ty:ident) => {{
        async fn login(mut s: Tracked<$ty>) -> &'static str {
            s.user = Some(USER.to_owned());
            "ok"
        }
        async fn count(mut s: Tracked<$ty>) -> String {
            s.count += 1;
            format!("{:?} {}", s.user, s.count)
        }
        async fn read(s: Tracked<$ty>) -> String {
            format!("{:?} {} {:?}", s.user, s.count, s.rejection())
        }
        Router::new()
            .route("/login", post(login))
            .route("/count", post(count))
            .route("/read", get(read))
            .layer(SessionLayer::with_interface(interface()))
    }};
}

#[tokio::test]
async fn a_live_deployment_moves_from_signed_to_encrypted() {
    let c = client();
    // Deployed signed: the user signs in and counts; the cookie is signed (readable).
    let signed = serve(deployment!(Signed)).await;
    c.post(format!("{signed}/login")).send().await.unwrap();
    let r = c.post(format!("{signed}/count")).send().await.unwrap();
    let line = set_cookies(&r).remove(0);
    let signed_value = line.split(';').next().unwrap().strip_prefix("app=").unwrap().to_owned();
    assert_eq!(signed_value.matches('.').count(), 2, "signed: {signed_value}");
    assert_eq!(r.text().await.unwrap(), format!("Some({USER:?}) 1"));

    // Redeployed encrypted with `accept_signed` (another port: cookies are not port-bound, so the
    // same client jar sends the same cookie). A read-only request keeps the session and re-seals
    // the cookie on that same response.
    let moving = serve(deployment!(Moving)).await;
    let r = c.get(format!("{moving}/read")).send().await.unwrap();
    let lines = set_cookies(&r);
    assert_eq!(lines.len(), 1, "re-written although unchanged: {lines:?}");
    let resealed = assert_sealed(&lines[0], "app");
    assert_eq!(varies(&r), ["Cookie"]);
    assert_eq!(r.text().await.unwrap(), format!("Some({USER:?}) 1 None"));
    // The next request carries the sealed cookie: nothing to re-write, the session goes on.
    let r = c.get(format!("{moving}/read")).send().await.unwrap();
    assert!(set_cookies(&r).is_empty(), "already sealed");
    let r = c.post(format!("{moving}/count")).send().await.unwrap();
    let sealed_value = assert_sealed(&set_cookies(&r)[0], "app");
    assert_eq!(r.text().await.unwrap(), format!("Some({USER:?}) 2"));
    assert_ne!(sealed_value, resealed);

    // The opt-in removed: the sealed cookie opens, the old signed one is refused.
    let sealed = serve(deployment!(Sealed)).await;
    let r = c.get(format!("{sealed}/read")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), format!("Some({USER:?}) 2 None"));
    let r = reqwest::Client::new()
        .get(format!("{sealed}/read"))
        .header("cookie", format!("app={signed_value}"))
        .send()
        .await
        .unwrap();
    assert!(set_cookies(&r).is_empty(), "a refused cookie is not deleted or renewed");
    assert_eq!(r.text().await.unwrap(), "None 0 Some(NotEncrypted)");
}

/// Server-side sessions keep their data on the server; their id cookie stays signed (two dots,
/// the native format) even when the config says `encrypted`, and works as usual.
#[test]
fn server_side_id_cookies_stay_signed_under_an_encrypted_config() {
    use session_runtime::{CookieConfig, ServerSideSessionInterface};
    let backend = Arc::new(ServerSideSessionInterface::memory(Keys::new(
        SecretKey::try_from(&[0x5e; 32][..]).unwrap(),
    )));
    let config = CookieConfig::builder().encrypted(true).build().unwrap();
    let kit = SessionKit::new(backend).with_config::<Vault>(config);
    let pair = kit.cookie_with::<Vault>(|vault| vault.user = Some(USER.to_owned())).unwrap();
    let value = pair.strip_prefix("session=").unwrap();
    assert_eq!(value.matches('.').count(), 2, "signed id cookie: {value}");
    assert!(!is_sealed_value(value.as_bytes()) && !pair.contains(USER));
    let request = http::Request::builder().header("cookie", &pair).body(()).unwrap();
    let vault = kit.open::<Vault>(&request);
    assert_eq!(vault.rejection(), None);
    assert_eq!(vault.user.as_deref(), Some(USER));
}
