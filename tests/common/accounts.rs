//! The account page's calls on any store (issue 26): list a user's sessions, revoke one by its
//! handle, sign out every other device, and what a forged, foreign or stale handle gets. Used
//! by `tests/session_listing.rs` (memory, Redis, PostgreSQL) and `tests/redis_deploy.rs` (the
//! Cluster).
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use session_runtime::backend::SessionStore;
use session_runtime::{
    CookieConfig, Error, Keys, Rejection, SecretKey, ServerSideSessionInterface, SessionHandle, Tracked,
};

/// An account session: who is signed in, and on what device.
#[derive(Serialize, Deserialize, Default, Debug)]
pub struct Account {
    pub user: Option<String>,
    pub device: Option<String>,
}

/// A backend indexing by `user` and labelling by `device`, over `store`.
pub fn backend(store: Arc<dyn SessionStore>) -> Arc<ServerSideSessionInterface> {
    let keys = Keys::new(SecretKey::try_from(&[3u8; 32][..]).expect("key"));
    Arc::new(
        ServerSideSessionInterface::with_store(keys, store)
            .with_user_index("user")
            .with_label_field("device"),
    )
}

pub fn config() -> CookieConfig {
    CookieConfig::builder().permanent(true).build().expect("config")
}

/// Signs `user` in on `device`; returns the cookie (`name=value`).
pub async fn sign_in(backend: &Arc<ServerSideSessionInterface>, user: &str, device: &str) -> String {
    let mut session: Tracked<Account> =
        Tracked::open_async(backend.clone(), config(), &http::Request::new(())).await;
    session.user = Some(user.to_owned());
    session.device = Some(device.to_owned());
    let mut response = http::Response::new(());
    session.save_async(&mut response).await.expect("sign-in");
    let line = response.headers()[http::header::SET_COOKIE].to_str().expect("ascii");
    line.split(';').next().unwrap_or_default().to_owned()
}

/// Opens the session `cookie` holds.
pub async fn open(backend: &Arc<ServerSideSessionInterface>, cookie: &str) -> Tracked<Account> {
    let request = http::Request::builder().header("cookie", cookie).body(()).expect("request");
    Tracked::open_async(backend.clone(), config(), &request).await
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs()
}

/// The whole account page on `store`.
pub async fn an_account_page_lists_and_ends_sessions(store: Arc<dyn SessionStore>) {
    let backend = backend(store);
    let (ann, bob) = (format!("ann-{}", random()), format!("bob-{}", random()));
    let before = now();
    let laptop = sign_in(&backend, &ann, "Firefox on Linux").await;
    let phone = sign_in(&backend, &ann, "Safari on iPhone").await;
    let tablet = sign_in(&backend, &ann, "Chrome on Android").await;
    let bobs = sign_in(&backend, &bob, "Edge on Windows").await;

    let current = open(&backend, &laptop).await;
    let listed = backend.sessions_of(&current).await.expect("listing");
    let labels: BTreeSet<_> = listed.iter().filter_map(|s| s.label.clone()).collect();
    assert_eq!(
        labels,
        ["Chrome on Android", "Firefox on Linux", "Safari on iPhone"].map(String::from).into(),
        "{listed:?}"
    );
    let mine: Vec<_> = listed.iter().filter(|s| s.current).collect();
    assert_eq!(mine.len(), 1, "exactly one current: {listed:?}");
    assert_eq!(mine[0].label.as_deref(), Some("Firefox on Linux"));
    for session in &listed {
        let created = session.created.expect("an issue time");
        assert!((before..=now()).contains(&created), "{session:?}");
        assert!((created..=now()).contains(&session.last_seen), "{session:?}");
        // A handle is neither a cookie's id nor anything a cookie contains.
        for cookie in [&laptop, &phone, &tablet] {
            let value = cookie.split_once('=').map_or("", |(_, value)| value);
            assert!(!value.contains(session.handle.as_str()), "{session:?}");
        }
    }
    let shown = format!("{listed:?}");
    for cookie in [&laptop, &phone, &tablet] {
        let id = cookie.split_once('=').map_or("", |(_, v)| v).split('.').next().unwrap_or_default();
        assert!(!shown.contains(id), "a listing never shows an id: {shown}");
    }
    let handle_of = |label: &str| {
        listed.iter().find(|s| s.label.as_deref() == Some(label)).expect("listed").handle.clone()
    };
    let (phone_handle, tablet_handle) = (handle_of("Safari on iPhone"), handle_of("Chrome on Android"));
    let again = backend.sessions_of(&current).await.expect("listing");
    assert!(again.iter().any(|s| s.handle == phone_handle), "handles are stable across listings");

    // Another user's handle, a forged one, garbage: an error, and nothing ends.
    let bob_session = open(&backend, &bobs).await;
    let bob_handle = backend.sessions_of(&bob_session).await.expect("bob's listing")[0].handle.clone();
    for handle in
        [bob_handle, SessionHandle::from("AAAAAAAAAAAAAAAAAAAAAA"), SessionHandle::from(""), "%%".into()]
    {
        assert!(matches!(backend.revoke(&current, &handle).await, Err(Error::UnknownHandle)), "{handle}");
    }
    assert!(!open(&backend, &bobs).await.is_new(), "bob's session lives");

    // Revoke the phone: its cookie opens nothing; the handle is stale after.
    backend.revoke(&current, &phone_handle).await.expect("revoke the phone");
    let phone_now = open(&backend, &phone).await;
    assert!(phone_now.is_new());
    assert_eq!(phone_now.rejection(), Some(Rejection::UnknownSession));
    assert!(matches!(backend.revoke(&current, &phone_handle).await, Err(Error::UnknownHandle)));
    assert_eq!(backend.sessions_of(&current).await.expect("listing").len(), 2);

    // Sign out every other device: the tablet ends, this device and bob live on.
    assert_eq!(backend.revoke_others(&current).await.expect("revoke others"), 1);
    assert!(open(&backend, &tablet).await.is_new());
    assert!(matches!(backend.revoke(&current, &tablet_handle).await, Err(Error::UnknownHandle)));
    let left = backend.sessions_of(&current).await.expect("listing");
    assert_eq!(left.len(), 1);
    assert!(left[0].current);
    assert!(!open(&backend, &laptop).await.is_new());
    assert!(!open(&backend, &bobs).await.is_new());
    assert_eq!(backend.revoke_others(&current).await.expect("nothing else"), 0);

    // Nobody signed in: nothing to list or revoke.
    let anonymous: Tracked<Account> =
        Tracked::open_async(backend.clone(), config(), &http::Request::new(())).await;
    assert!(matches!(backend.sessions_of(&anonymous).await, Err(Error::NoUser)));
    assert!(matches!(backend.revoke_others(&anonymous).await, Err(Error::NoUser)));
    // An administrator lists a user without being that user.
    assert_eq!(backend.sessions_of_user(&bob, &config()).await.expect("admin listing").len(), 1);
}

fn random() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}
