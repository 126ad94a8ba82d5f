//! The demo app end to end over loopback: the user journey a person clicks through, and many
//! concurrent clients that must never see each other's sessions.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/server.rs"]
mod server;

use std::sync::Arc;

use server::*;
use session_runtime::{Keys, SecretKey, SessionInterface};
use session_workspace::demo::{State, router};

/// The backend under test (see `backends::each!`).
fn backend() -> Arc<dyn SessionInterface> {
    backends::current().interface(Keys::new(SecretKey::try_from(&[3u8; 32][..]).unwrap()))
}

async fn state(client: &reqwest::Client, base: &str) -> State {
    client.get(format!("{base}/api/state")).send().await.unwrap().json().await.unwrap()
}

backends::each!(sign_in_count_cart_flash_remember_sign_out);
async fn sign_in_count_cart_flash_remember_sign_out() {
    let base = serve(router(backend())).await;
    let c = following_client();
    let page = c.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("name=user"), "the sign-in form is shown");
    assert!(state(&c, &base).await.new);

    let page = c.post(format!("{base}/login")).form(&[("user", "alice")]).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("Welcome, alice!"), "flash shown once");
    assert!(page.contains("Signed in as <b>alice</b>"));
    let page = c.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Welcome"), "flash gone after it was shown");

    for _ in 0..3 {
        c.post(format!("{base}/count")).send().await.unwrap();
    }
    c.post(format!("{base}/cart")).form(&[("item", "apple")]).send().await.unwrap();
    c.post(format!("{base}/cart")).form(&[("item", "<pear>")]).send().await.unwrap();
    let s = state(&c, &base).await;
    assert_eq!(s.visit.count, 3);
    assert_eq!(s.visit.cart, ["apple", "<pear>"]);
    assert!(!s.permanent);
    let page = c.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("&lt;pear&gt;"), "escaped");

    c.post(format!("{base}/remember")).send().await.unwrap();
    assert!(state(&c, &base).await.permanent);

    let page = c.post(format!("{base}/logout")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Signed out."));
    let s = state(&c, &base).await;
    assert_eq!(s.visit, Default::default());
}

backends::each!(remember_me_sets_expires_and_sign_out_deletes);
async fn remember_me_sets_expires_and_sign_out_deletes() {
    let base = serve(router(backend())).await;
    let c = client();
    let r =
        c.post(format!("{base}/login")).form(&[("user", "bob"), ("remember", "on")]).send().await.unwrap();
    let line = set_cookies(&r).remove(0);
    assert!(line.starts_with("demo_session="), "{line}");
    assert!(line.contains("; Expires=") && line.contains("; Max-Age=604800"), "{line}");
    assert!(line.contains("; HttpOnly") && line.contains("; SameSite=Lax"), "{line}");
    // Show the flash so the session holds only the user.
    c.get(format!("{base}/")).send().await.unwrap();
    let r = c.post(format!("{base}/logout")).send().await.unwrap();
    // Signing out clears the data but leaves a flash, so the cookie is rewritten (not deleted)
    // until the flash is shown; then it is deleted.
    assert_eq!(set_cookies(&r).len(), 1);
    let r = c.get(format!("{base}/")).send().await.unwrap();
    let lines = set_cookies(&r);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with("demo_session=;") && lines[0].contains("Max-Age=0"), "{lines:?}");
}

backends::each!(concurrent_clients_never_mix_sessions, flavor = "multi_thread", worker_threads = 4);
async fn concurrent_clients_never_mix_sessions() {
    const CLIENTS: usize = 40;
    const ROUNDS: u32 = 15;
    let base = Arc::new(serve(router(backend())).await);
    let mut tasks = Vec::new();
    for id in 0..CLIENTS {
        let base = Arc::clone(&base);
        tasks.push(tokio::spawn(async move {
            let c = client();
            let name = format!("user{id}");
            c.post(format!("{base}/login")).form(&[("user", name.as_str())]).send().await.unwrap();
            for _ in 0..ROUNDS {
                c.post(format!("{base}/count")).send().await.unwrap();
                c.post(format!("{base}/cart")).form(&[("item", name.as_str())]).send().await.unwrap();
            }
            let s = state(&c, &base).await;
            (name, s)
        }));
    }
    for task in tasks {
        let (name, s) = task.await.unwrap();
        assert_eq!(s.visit.user.as_deref(), Some(name.as_str()));
        assert_eq!(s.visit.count, ROUNDS);
        assert_eq!(s.visit.cart.len(), ROUNDS as usize);
        assert!(s.visit.cart.iter().all(|item| *item == name), "{name}: {:?}", s.visit.cart);
    }
}

backends::each!(a_cookie_from_another_key_is_a_fresh_session);
async fn a_cookie_from_another_key_is_a_fresh_session() {
    let first = serve(router(backend())).await;
    let other =
        serve(router(backends::current().interface(Keys::new(SecretKey::try_from(&[4u8; 32][..]).unwrap()))))
            .await;
    let r = client().post(format!("{first}/login")).form(&[("user", "eve")]).send().await.unwrap();
    let pair = set_cookies(&r)[0].split(';').next().unwrap().to_owned();
    let s: State = reqwest::Client::new()
        .get(format!("{other}/api/state"))
        .header("cookie", pair)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(s.new);
    assert_eq!(s.visit.user, None);
}
