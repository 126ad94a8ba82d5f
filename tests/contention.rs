//! How many requests a contended session answers 409 (issue 24, item 6). 8, 16 and 64 clients
//! share one session over loopback HTTP, each incrementing its own entry of one map (disjoint
//! fields, the default `last_write` policy) 10 times, with 2 ms between the read and the write.
//! Disjoint changes never conflict in meaning, so at most 1 % of the requests may answer 409 at
//! 64 clients, and no acknowledged increment may be lost. The review measured 56 % (Redis) to
//! 65 % (PostgreSQL) at 64 clients, from 10 immediate re-read/merge attempts.
//!
//! `cargo test --all-features --test contention -- --nocapture` prints the rates (published in
//! docs/server-side.md, "Concurrent requests").

#[path = "common/backends.rs"]
mod backends;
#[path = "common/server.rs"]
mod server;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use session_runtime::tower::SessionLayer;
use session_runtime::{Keys, SecretKey, ServerSideSessionInterface, Session, Tracked};

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "sid")]
struct Counters {
    counts: BTreeMap<String, u32>,
}

const INCREMENTS: u32 = 10;

async fn start(mut s: Tracked<Counters>) {
    s.counts.insert("start".into(), 0);
}

async fn increment(Path(client): Path<String>, mut s: Tracked<Counters>) {
    let seen = s.counts.get(&client).copied().unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(2)).await;
    s.counts.insert(client, seen + 1);
}

async fn total(s: Tracked<Counters>) -> String {
    s.counts.values().sum::<u32>().to_string()
}

/// What one run saw: requests sent, 409s among them, increments acknowledged and kept.
struct Run {
    requests: u32,
    conflicts: u32,
    acknowledged: u32,
    kept: u32,
    took: Duration,
}

async fn run(clients: u32) -> Run {
    let store = backends::current().store().expect("a server-side backend");
    let keys = Keys::new(SecretKey::try_from(&[6u8; 32][..]).unwrap());
    let backend = Arc::new(ServerSideSessionInterface::with_store(keys, store));
    let app = Router::new()
        .route("/start", post(start))
        .route("/inc/{client}", post(increment))
        .route("/total", get(total))
        .layer(SessionLayer::with_interface(backend));
    let base = server::serve(app).await;
    let http = reqwest::Client::new();
    let started = http.post(format!("{base}/start")).send().await.unwrap();
    let cookie = server::set_cookies(&started)[0].split(';').next().unwrap().to_owned();
    let begun = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let (http, base, cookie) = (http.clone(), base.clone(), cookie.clone());
        tasks.push(tokio::spawn(async move {
            let (mut requests, mut conflicts, mut acknowledged) = (0, 0, 0);
            for _ in 0..INCREMENTS {
                // A 409 wrote nothing: the client retries (bounded against a loop).
                for _ in 0..200 {
                    let url = format!("{base}/inc/c{client}");
                    let status = http.post(url).header("cookie", &cookie).send().await.unwrap().status();
                    requests += 1;
                    match status {
                        StatusCode::OK => acknowledged += 1,
                        StatusCode::CONFLICT => conflicts += 1,
                        other => panic!("unexpected {other}"),
                    }
                    if status != StatusCode::CONFLICT {
                        break;
                    }
                }
            }
            (requests, conflicts, acknowledged)
        }));
    }
    let (mut requests, mut conflicts, mut acknowledged) = (0, 0, 0);
    for task in tasks {
        let (r, c, a) = task.await.unwrap();
        (requests, conflicts, acknowledged) = (requests + r, conflicts + c, acknowledged + a);
    }
    let took = begun.elapsed();
    let response = http.get(format!("{base}/total")).header("cookie", &cookie).send().await.unwrap();
    let kept = response.text().await.unwrap().parse().unwrap();
    Run { requests, conflicts, acknowledged, kept, took }
}

backends::tests!(
    disjoint_writers_almost_never_get_409
    [flavor = "multi_thread", worker_threads = 4]
    memory redis postgres
);
/// 8, 16 and 64 writers on disjoint fields: at most 1 % 409s at 64 (and so at fewer), nothing
/// lost.
async fn disjoint_writers_almost_never_get_409() {
    let name = backends::current().name();
    let mut rates = Vec::new();
    for clients in [8, 16, 64] {
        let run = run(clients).await;
        let rate = 100.0 * f64::from(run.conflicts) / f64::from(run.requests);
        eprintln!(
            "{name}: {clients} writers: {} of {} requests answered 409 ({rate:.2} %), {} of {} increments kept, {:?}",
            run.conflicts, run.requests, run.kept, run.acknowledged, run.took
        );
        assert_eq!(run.acknowledged, clients * INCREMENTS);
        assert_eq!(
            run.kept,
            run.acknowledged,
            "{} acknowledged increments lost",
            run.acknowledged - run.kept
        );
        rates.push((clients, rate));
    }
    // Every rate printed first, so a failing run still shows all three.
    for (clients, rate) in rates {
        assert!(rate <= 1.0, "{name}: {clients} writers: {rate:.2} % of requests answered 409");
    }
}
