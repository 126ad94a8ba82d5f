//! The merge of nested maps that requests create or clear concurrently (issue 24, item 4), on
//! memory, Redis and PostgreSQL. A map absent or `null` in the record a request opened merges as
//! `{}`: two requests that each add an entry to a group that does not exist yet both keep it. A
//! map cleared while another request adds to it keeps the addition and not the cleared entries.
//! The rules are in `session-runtime/src/server_side/merge.rs` and docs/server-side.md.
//!
//! The first tests force the order (open A, open B, save A, save B); the last runs the review's
//! shape over HTTP: 64 clients each adding its entry to groups that do not exist yet.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/server.rs"]
mod server;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use session_runtime::tower::SessionLayer;
use session_runtime::{CookieConfig, Keys, SecretKey, ServerSideSessionInterface, Session, Tracked};

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "sid")]
struct Groups {
    groups: BTreeMap<String, BTreeMap<String, u32>>,
    extra: Option<BTreeMap<String, u32>>,
}

fn keys() -> Keys {
    Keys::new(SecretKey::try_from(&[4u8; 32][..]).unwrap())
}

fn backend() -> Arc<ServerSideSessionInterface> {
    let store = backends::current().store().expect("a server-side backend");
    Arc::new(ServerSideSessionInterface::with_store(keys(), store))
}

fn request(cookie: Option<&str>) -> http::Request<()> {
    let mut builder = http::Request::builder();
    if let Some(cookie) = cookie {
        builder = builder.header("cookie", cookie);
    }
    builder.body(()).unwrap()
}

async fn open(backend: &Arc<ServerSideSessionInterface>, cookie: &str) -> Tracked<Groups> {
    Tracked::open_async(backend.clone(), CookieConfig::DEFAULT, &request(Some(cookie))).await
}

async fn save(session: Tracked<Groups>) -> session_runtime::SaveReport {
    session.save_async(&mut http::Response::new(())).await.unwrap()
}

/// A session with `extra` as given, and the cookie pair that opens it.
async fn start(backend: &Arc<ServerSideSessionInterface>, extra: Option<BTreeMap<String, u32>>) -> String {
    let mut session =
        Tracked::<Groups>::open_async(backend.clone(), CookieConfig::DEFAULT, &request(None)).await;
    session.groups.insert("existing".into(), BTreeMap::new());
    session.extra = extra;
    let mut response = http::Response::new(());
    session.save_async(&mut response).await.unwrap();
    let line = response.headers()["set-cookie"].to_str().unwrap();
    line.split(';').next().unwrap().to_owned()
}

backends::tests!(two_requests_create_the_same_group [] memory redis postgres);
/// Open A, open B, both add their entry to group `g` (absent) and to `extra` (`None`), save A,
/// save B: B's save merges onto A's and both entries are there.
async fn two_requests_create_the_same_group() {
    let backend = backend();
    let cookie = start(&backend, None).await;
    let (mut a, mut b) = (open(&backend, &cookie).await, open(&backend, &cookie).await);
    for (session, name) in [(&mut a, "a"), (&mut b, "b")] {
        session.groups.entry("g".into()).or_default().insert(name.into(), 1);
        session.extra.get_or_insert_with(BTreeMap::new).insert(name.into(), 1);
    }
    assert!(!save(a).await.merged);
    assert!(save(b).await.merged, "B saved over A's record");
    let now = open(&backend, &cookie).await;
    let both = BTreeMap::from([("a".to_owned(), 1), ("b".to_owned(), 1)]);
    assert_eq!(now.groups.get("g"), Some(&both));
    assert_eq!(now.extra.as_ref(), Some(&both));
}

backends::tests!(a_map_cleared_while_another_request_adds_keeps_only_the_addition [] memory redis postgres);
/// `extra` holds x and y; request C clears it to `None` while request D adds z. Whichever saves
/// last, the session ends with only z: x and y stay cleared, z is not lost.
async fn a_map_cleared_while_another_request_adds_keeps_only_the_addition() {
    let backend = backend();
    for clear_first in [true, false] {
        let cookie = start(&backend, Some(BTreeMap::from([("x".into(), 1), ("y".into(), 1)]))).await;
        let (mut clear, mut add) = (open(&backend, &cookie).await, open(&backend, &cookie).await);
        clear.extra = None;
        add.extra.get_or_insert_with(BTreeMap::new).insert("z".into(), 1);
        if clear_first {
            save(clear).await;
            assert!(save(add).await.merged);
        } else {
            save(add).await;
            assert!(save(clear).await.merged);
        }
        let now = open(&backend, &cookie).await;
        assert_eq!(now.extra, Some(BTreeMap::from([("z".to_owned(), 1)])), "clear first: {clear_first}");
    }
}

const CLIENTS: usize = 64;
const INCREMENTS: usize = 10;

/// Adds this client's entry to group `r{round}`, which the first request of each round creates.
async fn add(Path((round, client)): Path<(String, String)>, mut s: Tracked<Groups>) {
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    s.groups.entry(format!("r{round}")).or_default().insert(client, 1);
}

async fn start_route(mut s: Tracked<Groups>) {
    s.groups.insert("existing".into(), BTreeMap::new());
}

async fn count(s: Tracked<Groups>) -> String {
    s.groups.values().map(|group| group.values().sum::<u32>()).sum::<u32>().to_string()
}

backends::tests!(
    clients_adding_to_groups_that_do_not_exist_yet_lose_nothing
    [flavor = "multi_thread", worker_threads = 4]
    memory redis postgres
);
/// 64 clients, 10 rounds each, every round adding the client's entry to a group created by that
/// round's first save: every acknowledged addition is in the session (the review lost 56, 16
/// and 12 of 640 on memory, Redis and PostgreSQL).
async fn clients_adding_to_groups_that_do_not_exist_yet_lose_nothing() {
    let app = Router::new()
        .route("/start", post(start_route))
        .route("/add/{round}/{client}", post(add))
        .route("/count", get(count))
        .layer(SessionLayer::with_interface(backend()));
    let base = server::serve(app).await;
    let http = reqwest::Client::new();
    let started = http.post(format!("{base}/start")).send().await.unwrap();
    let cookie = server::set_cookies(&started)[0].split(';').next().unwrap().to_owned();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let (http, base, cookie) = (http.clone(), base.clone(), cookie.clone());
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = 0;
            for round in 0..INCREMENTS {
                // A 409 wrote nothing; the client retries, as the message advises.
                for _ in 0..200 {
                    let url = format!("{base}/add/{round}/c{client}");
                    let response = http.post(url).header("cookie", &cookie).send().await.unwrap();
                    if response.status() == StatusCode::OK {
                        acknowledged += 1;
                    }
                    if response.status() != StatusCode::CONFLICT {
                        break;
                    }
                }
            }
            acknowledged
        }));
    }
    let mut acknowledged = 0;
    for task in tasks {
        acknowledged += task.await.unwrap();
    }
    let kept: usize = http
        .get(format!("{base}/count"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(acknowledged, CLIENTS * INCREMENTS, "every addition acknowledged in the end");
    assert_eq!(kept, acknowledged, "{} of {acknowledged} acknowledged additions lost", acknowledged - kept);
}
