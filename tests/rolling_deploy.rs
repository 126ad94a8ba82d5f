//! A rolling deploy that changes the session type, over loopback HTTP: a server with the old type
//! (version 1, unversioned) and one with the new type (`#[session(version = 2, migrate_from =
//! "…")]`, a field renamed and retyped, one added) share the cookie name and key behind one
//! cookie jar per client, and every client alternates between them. Nobody is logged out: the data
//! each client gathered on the old server is in its session on the new one, the new server re-writes
//! each old cookie once, and the old server refuses a new cookie cleanly
//! (`Rejection::NewerVersion`, a 200 with an empty session); its handler, which writes, then
//! replaces the newer session with its own (the newer data is lost, as docs/guide.md says: a
//! sign-in or a sign-out on an old server must be honoured), which the new server migrates. A third server
//! with the new shape but no version shows what the migration prevents: every old cookie is
//! `Rejection::Payload`, a logged-out user. In the native and the encrypted format, and with
//! server-side sessions (memory store), where the record holds the same versioned payload.
//!
//! Then the change that needs no version: a field added with `#[serde(default)]` reads the old
//! cookies, and the old server reads the new ones (serde ignores the field it does not know).

#[path = "common/server.rs"]
mod server;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use server::{client, serve, set_cookies};
use session_runtime::tower::SessionLayer;
use session_runtime::{
    Keys, Rejection, SecretKey, SecureCookieSessionInterface, ServerSideSessionInterface, Session,
    SessionInterface, Tracked,
};

/// Clients going through the deploy at the same time.
const CLIENTS: usize = 12;
/// Requests each client makes before the deploy starts (all to the old server).
const BEFORE: usize = 3;
/// Requests each client makes during the deploy, alternating new, old, new, …
const DURING: usize = 8;

/// What a handler saw, whichever version served it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Seen {
    server: String,
    rejection: Option<String>,
    count: u64,
    pages: Vec<String>,
}

fn rejection(rejection: Option<Rejection>) -> Option<String> {
    rejection.map(|r| r.kind().to_owned())
}

/// The old and new session types of one cookie, and the routers serving them.
macro_rules! versions {
    ($module:ident, $name:literal $(, $flag:ident)?) => {
        mod $module {
            use super::*;

            /// The type as the old server has it.
            #[derive(Session, Serialize, Deserialize, Default, Debug)]
            #[session(name = $name $(, $flag)?)]
            pub struct VisitV1 {
                pub count: u32,
                pub pages: Vec<String>,
            }

            /// The new type: `count` renamed and widened, `pages` renamed to `history` and made
            /// a list of visits, `theme` added.
            #[derive(Session, Serialize, Deserialize, Default, Debug)]
            #[session(name = $name, version = 2, migrate_from = "VisitV1" $(, $flag)?)]
            pub struct Visit {
                pub visits: u64,
                pub history: Vec<Page>,
                pub theme: String,
            }

            #[derive(Serialize, Deserialize, Default, Debug)]
            pub struct Page {
                pub path: String,
                pub migrated: bool,
            }

            impl From<VisitV1> for Visit {
                fn from(old: VisitV1) -> Visit {
                    let history = old.pages.into_iter().map(|path| Page { path, migrated: true }).collect();
                    Visit { visits: old.count.into(), history, theme: "light".into() }
                }
            }

            /// The new shape without a version: what a deploy did before versions.
            #[derive(Session, Serialize, Deserialize, Default, Debug)]
            #[session(name = $name $(, $flag)?)]
            pub struct Unversioned {
                pub visits: u64,
                pub history: Vec<Page>,
                pub theme: String,
            }

            async fn old(Path(page): Path<String>, mut visit: Tracked<VisitV1>) -> Json<Seen> {
                let rejection = rejection(visit.rejection());
                // Written whatever was refused: a change replaces a newer session.
                visit.count += 1;
                visit.pages.push(page);
                Json(Seen { server: "v1".into(), rejection, count: visit.count.into(), pages: visit.pages.clone() })
            }

            async fn new(Path(page): Path<String>, mut visit: Tracked<Visit>) -> Json<Seen> {
                let rejection = rejection(visit.rejection());
                assert_eq!(visit.theme, if visit.visits == 0 { "" } else { "light" });
                visit.visits += 1;
                visit.history.push(Page { path: page, migrated: false });
                let pages = visit.history.iter().map(|page| page.path.clone()).collect();
                Json(Seen { server: "v2".into(), rejection, count: visit.visits, pages })
            }

            async fn unversioned(Path(page): Path<String>, mut visit: Tracked<Unversioned>) -> Json<Seen> {
                let rejection = rejection(visit.rejection());
                visit.visits += 1;
                visit.history.push(Page { path: page, migrated: false });
                let pages = visit.history.iter().map(|page| page.path.clone()).collect();
                Json(Seen { server: "unversioned".into(), rejection, count: visit.visits, pages })
            }

            /// The three servers: old, new, and new without a version.
            pub async fn servers(backend: Arc<dyn SessionInterface>) -> [String; 3] {
                let layer = || SessionLayer::with_interface(backend.clone());
                [
                    serve(Router::new().route("/hit/{page}", get(old)).layer(layer())).await,
                    serve(Router::new().route("/hit/{page}", get(new)).layer(layer())).await,
                    serve(Router::new().route("/hit/{page}", get(unversioned)).layer(layer())).await,
                ]
            }
        }
    };
}

versions!(native, "visit");
versions!(sealed, "sealed_visit", encrypted);

fn keys() -> Keys {
    Keys::new(SecretKey::try_from(&[0x42; 32][..]).unwrap())
}

fn cookie_backend() -> Arc<dyn SessionInterface> {
    Arc::new(SecureCookieSessionInterface::new(keys()))
}

/// One request; the response's `Seen` and whether it set a cookie.
async fn hit(client: &reqwest::Client, base: &str, page: &str) -> (Seen, bool) {
    let response = client.get(format!("{base}/hit/{page}")).send().await.unwrap();
    assert_eq!(response.status(), 200, "{base}/hit/{page}");
    let set = !set_cookies(&response).is_empty();
    (response.json().await.unwrap(), set)
}

/// One client through the deploy; returns how its session ended on the new server.
async fn one_client(id: usize, old: String, new: String, server_side: bool) -> Seen {
    let client = client();
    let mut pages = Vec::new();
    for step in 0..BEFORE {
        let page = format!("c{id}-before-{step}");
        let (seen, set) = hit(&client, &old, &page).await;
        pages.push(page);
        assert_eq!((seen.rejection.as_deref(), seen.count, &seen.pages), (None, step as u64 + 1, &pages));
        assert!(set || server_side, "the old server saves its changes");
    }
    let mut visits = BEFORE as u64;
    let mut last = None;
    for step in 0..DURING {
        let page = format!("c{id}-during-{step}");
        if step % 2 == 0 {
            let (seen, set) = hit(&client, &new, &page).await;
            visits += 1;
            pages.push(page);
            // Not logged out: the old server's data is there, migrated on the first request.
            assert_eq!(
                (seen.rejection.as_deref(), seen.count, &seen.pages),
                (None, visits, &pages),
                "client {id}"
            );
            assert!(set || server_side, "client {id}: a migrated cookie is re-written");
            last = Some(seen);
        } else {
            let (seen, set) = hit(&client, &old, &page).await;
            // A clean refusal and an empty session for this request; the handler's change
            // replaces the newer session, which the next new request migrates.
            assert_eq!(seen.rejection.as_deref(), Some("NewerVersion"), "client {id}");
            assert_eq!(
                (seen.count, seen.pages.len()),
                (1, 1),
                "client {id}: the handler saw an empty session"
            );
            assert!(set || server_side, "client {id}: the old server's change replaces the newer session");
            visits = 1;
            pages = vec![page];
        }
    }
    last.unwrap()
}

/// `CLIENTS` clients through a deploy at the same time, each alternating between the servers.
async fn rolling_deploy(
    backend: Arc<dyn SessionInterface>,
    [old, new, unversioned]: [String; 3],
    server_side: bool,
) {
    let mut clients = tokio::task::JoinSet::new();
    for id in 0..CLIENTS {
        clients.spawn(one_client(id, old.clone(), new.clone(), server_side));
    }
    let mut logged_out = 0;
    while let Some(seen) = clients.join_next().await {
        let seen = seen.unwrap();
        // The last request was on the new server, after one on the old server (DURING > 2):
        // the data the old server wrote (one visit), plus that request.
        if seen.count != if DURING > 2 { 2 } else { (BEFORE + 1) as u64 } {
            logged_out += 1;
        }
    }
    assert_eq!(logged_out, 0);

    // The same deploy without a version logs the user out: the test above would catch it.
    let client = client();
    hit(&client, &old, "first").await;
    let (seen, _) = hit(&client, &unversioned, "second").await;
    assert_eq!((seen.rejection.as_deref(), seen.count), (Some("Payload"), 1));
    drop(backend);
}

#[tokio::test]
async fn native_cookies_survive_a_deploy_that_changes_the_type() {
    let backend = cookie_backend();
    let servers = native::servers(backend.clone()).await;
    rolling_deploy(backend, servers, false).await;
}

#[tokio::test]
async fn encrypted_cookies_survive_a_deploy_that_changes_the_type() {
    let backend = cookie_backend();
    let servers = sealed::servers(backend.clone()).await;
    rolling_deploy(backend, servers, false).await;
}

#[tokio::test]
async fn server_side_sessions_survive_a_deploy_that_changes_the_type() {
    let backend: Arc<dyn SessionInterface> = Arc::new(ServerSideSessionInterface::memory(keys()));
    let servers = native::servers(backend.clone()).await;
    rolling_deploy(backend, servers, true).await;
}

/// A field added with `#[serde(default)]` needs no version, in both directions.
mod added_field {
    use super::*;

    #[derive(Session, Serialize, Deserialize, Default)]
    #[session(name = "prefs")]
    pub struct Before {
        pub count: u32,
    }

    #[derive(Session, Serialize, Deserialize, Default)]
    #[session(name = "prefs")]
    pub struct After {
        pub count: u32,
        #[serde(default = "dark")]
        pub theme: String,
    }

    fn dark() -> String {
        "dark".into()
    }

    pub async fn before(mut prefs: Tracked<Before>) -> String {
        prefs.count += 1;
        format!("{:?} {}", prefs.rejection(), prefs.count)
    }

    pub async fn after(mut prefs: Tracked<After>) -> String {
        prefs.count += 1;
        format!("{:?} {} {}", prefs.rejection(), prefs.count, prefs.theme)
    }
}

#[tokio::test]
async fn a_field_added_with_serde_default_needs_no_version() {
    let layer = || SessionLayer::with_interface(cookie_backend());
    let old = serve(Router::new().route("/", get(added_field::before)).layer(layer())).await;
    let new = serve(Router::new().route("/", get(added_field::after)).layer(layer())).await;
    let client = client();
    let text = |response: reqwest::Response| async { response.text().await.unwrap() };
    assert_eq!(text(client.get(&old).send().await.unwrap()).await, "None 1");
    // The old cookie has no `theme`: the default fills it.
    assert_eq!(text(client.get(&new).send().await.unwrap()).await, "None 2 dark");
    // The new cookie's `theme` is ignored by the old type.
    assert_eq!(text(client.get(&old).send().await.unwrap()).await, "None 3");
    assert_eq!(text(client.get(&new).send().await.unwrap()).await, "None 4 dark");
}
