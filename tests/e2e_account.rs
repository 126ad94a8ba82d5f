//! The demo's account page end to end over loopback (issue 26): three devices of one user, each
//! a real HTTP client with its own cookie jar and `User-Agent`; one lists where the user is
//! signed in, signs out another device, then every other device. On the memory store, Redis and
//! PostgreSQL; with revocable signed cookies (sign out every other device by the user's epoch);
//! and what the page says to nobody signed in.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/server.rs"]
mod server;

use std::sync::Arc;

use server::*;
use session_runtime::tower::SessionLayer;
use session_runtime::{Keys, SecretKey, SecureCookieSessionInterface, ServerSideSessionInterface};
use session_workspace::demo::{Accounts, Listed, State, router_with_accounts, server_side_accounts};

const LAPTOP: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
const TABLET: &str = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36";

fn keys() -> Keys {
    Keys::new(SecretKey::try_from(&[3u8; 32][..]).unwrap())
}

/// The demo over the current backend's store, with its account page.
async fn demo() -> String {
    let store = backends::current().store().expect("a server-side store");
    let backend = Arc::new(server_side_accounts(ServerSideSessionInterface::with_store(keys(), store)));
    serve(router_with_accounts(SessionLayer::with_interface(backend.clone()), Accounts::ServerSide(backend)))
        .await
}

/// A device: a client with its own cookie jar, following redirects, signed in as `user`.
async fn device(base: &str, agent: &str, user: &str) -> reqwest::Client {
    let client = reqwest::Client::builder().cookie_store(true).user_agent(agent).build().unwrap();
    let page = client.post(format!("{base}/login")).form(&[("user", user)]).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Signed in as"));
    client
}

async fn sessions(client: &reqwest::Client, base: &str) -> Vec<Listed> {
    client.get(format!("{base}/api/sessions")).send().await.unwrap().json().await.unwrap()
}

async fn state(client: &reqwest::Client, base: &str) -> State {
    client.get(format!("{base}/api/state")).send().await.unwrap().json().await.unwrap()
}

backends::tests!(a_device_signs_out_another_then_every_other [] memory redis postgres);
async fn a_device_signs_out_another_then_every_other() {
    let base = demo().await;
    let user = format!("ann-{}", backends::random_hex());
    let laptop = device(&base, LAPTOP, &user).await;
    let phone = device(&base, PHONE, &user).await;
    let tablet = device(&base, TABLET, &user).await;
    let stranger = device(&base, LAPTOP, &format!("bob-{}", backends::random_hex())).await;

    let listed = sessions(&phone, &base).await;
    let mut labels: Vec<_> =
        listed.iter().map(|s| (s.label.clone().unwrap_or_default(), s.current)).collect();
    labels.sort();
    assert_eq!(
        labels,
        [
            ("Chrome on Android".to_owned(), false),
            ("Firefox on Linux".to_owned(), false),
            ("Safari on iPhone".to_owned(), true)
        ]
    );
    let page = phone.get(format!("{base}/account")).send().await.unwrap().text().await.unwrap();
    assert_eq!(page.matches("class=session").count(), 3, "{page}");
    assert_eq!(page.matches("class=revoke").count(), 2, "no button for this device: {page}");
    assert!(page.contains("this device") && page.contains("just now"), "{page}");

    // Sign out the laptop by its handle.
    let laptop_handle =
        listed.iter().find(|s| s.label.as_deref() == Some("Firefox on Linux")).unwrap().handle.clone();
    let page = phone
        .post(format!("{base}/account/revoke"))
        .form(&[("handle", laptop_handle.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Signed out that device."), "{page}");
    assert_eq!(page.matches("class=session").count(), 2, "{page}");
    let laptop_state = state(&laptop, &base).await;
    assert!(laptop_state.new && laptop_state.visit.user.is_none(), "the laptop is signed out");

    // A stale, a forged and another user's handle end nothing.
    let strangers_handle = sessions(&stranger, &base).await[0].handle.clone();
    for handle in [laptop_handle.as_str(), "AAAAAAAAAAAAAAAAAAAAAA", strangers_handle.as_str()] {
        let page =
            phone.post(format!("{base}/account/revoke")).form(&[("handle", handle)]).send().await.unwrap();
        assert!(page.text().await.unwrap().contains("That session had already ended."));
    }
    assert!(state(&stranger, &base).await.visit.user.is_some(), "the other user is untouched");

    // Sign out everywhere else: the tablet goes, the phone stays.
    let page = phone.post(format!("{base}/account/others")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Signed out 1 other device(s)."), "{page}");
    assert!(state(&tablet, &base).await.visit.user.is_none());
    assert_eq!(state(&phone, &base).await.visit.user.as_deref(), Some(user.as_str()));
    let left = sessions(&phone, &base).await;
    assert_eq!(left.len(), 1);
    assert!(left[0].current);
}

/// Revocable signed cookies (an epoch source): "sign out everywhere else" refuses every other
/// device's cookie at its next request, keeps this device signed in (its cookie is re-issued
/// on the same response), and a device that signs in afterwards stays signed in.
#[tokio::test]
async fn a_revocable_cookie_signs_out_every_other_device() {
    use session_runtime::epoch::{Epochs, MemoryEpochs};
    let backend = SecureCookieSessionInterface::new(keys()).with_epochs(Epochs::new(MemoryEpochs::new()));
    let base =
        serve(router_with_accounts(SessionLayer::with_interface(Arc::new(backend)), Accounts::Cookie)).await;
    let laptop = device(&base, LAPTOP, "ann").await;
    let tablet = device(&base, TABLET, "ann").await;
    let phone = device(&base, PHONE, "ann").await;
    let bob = device(&base, LAPTOP, "bob").await;
    let page = phone.get(format!("{base}/account")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=revocable") && page.contains("Sign out everywhere else"), "{page}");

    let page = phone.post(format!("{base}/account/others")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Signed out every other device."), "{page}");
    for other in [&laptop, &tablet] {
        let state = state(other, &base).await;
        assert!(state.new && state.visit.user.is_none(), "signed out: {state:?}");
    }
    assert_eq!(state(&phone, &base).await.visit.user.as_deref(), Some("ann"), "this device stays");
    assert_eq!(state(&bob, &base).await.visit.user.as_deref(), Some("bob"), "another user is untouched");
    let later = device(&base, TABLET, "ann").await;
    assert_eq!(state(&later, &base).await.visit.user.as_deref(), Some("ann"), "a later sign-in lives");
    assert_eq!(state(&phone, &base).await.visit.user.as_deref(), Some("ann"));
}

/// Nobody signed in: the page says so, and lists nothing.
#[tokio::test]
async fn signed_out_the_page_says_so() {
    use session_runtime::epoch::{Epochs, MemoryEpochs};
    let backend = SecureCookieSessionInterface::new(keys()).with_epochs(Epochs::new(MemoryEpochs::new()));
    let base =
        serve(router_with_accounts(SessionLayer::with_interface(Arc::new(backend)), Accounts::Cookie)).await;
    let anonymous = following_client();
    let page = anonymous.get(format!("{base}/account")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("You are not signed in."), "{page}");
    assert!(sessions(&anonymous, &base).await.is_empty());
}
