//! Load over loopback against Redis: many concurrent clients, each incrementing its own counter
//! through server-side sessions, while Redis (persistence on: `appendonly yes`, `appendfsync
//! always`) is killed and restarted mid-run. Must hold: every final value exact, no cross-talk, no
//! acknowledged write lost, and the service recovers once Redis is back.
//!
//! The test starts its own `redis-server` (on a free port, in a temporary directory). Without the
//! binary on `PATH` it is reported `ignored`; under CI (`CI` set) that is a failure.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/redis_process.rs"]
mod redis_process;
#[path = "common/server.rs"]
mod server;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use server::serve;
use session_runtime::tower::SessionLayer;
use session_runtime::{Keys, RedisStore, SecretKey, ServerSideSessionInterface, Session, Tracked};

const CLIENTS: usize = 24;
const INCREMENTS: u64 = 40;
const DEADLINE: Duration = Duration::from_secs(90);

#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "load")]
struct Counter {
    owner: Option<String>,
    count: u64,
}

async fn increment(mut s: Tracked<Counter>, owner: String) -> impl IntoResponse {
    if s.owner.is_none() {
        s.owner = Some(owner);
    }
    s.count += 1;
    format!("{}:{}", s.owner.as_deref().unwrap_or_default(), s.count)
}

async fn read(s: Tracked<Counter>) -> impl IntoResponse {
    if s.rejection().is_some() {
        return (StatusCode::SERVICE_UNAVAILABLE, String::new());
    }
    (StatusCode::OK, format!("{}:{}", s.owner.as_deref().unwrap_or_default(), s.count))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_redis_server, ignore = "needs redis-server on PATH: apt-get install redis-server")]
async fn concurrent_counters_survive_a_redis_restart() {
    let mut redis = redis_process::RedisProcess::start();
    let store = RedisStore::builder(redis.url())
        .prefix("load:")
        .response_timeout(Duration::from_millis(500))
        .connection_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let key = SecretKey::try_from(&[9u8; 32][..]).unwrap();
    let backend =
        Arc::new(ServerSideSessionInterface::new(Keys::new(key), store).with_timeout(Duration::from_secs(1)));
    let app = Router::new().route("/inc", post(increment)).route("/read", get(read));
    let base = Arc::new(serve(app.layer(SessionLayer::with_interface(backend))).await);

    let acknowledged = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client_id in 0..CLIENTS {
        let (base, acknowledged, failures) = (base.clone(), acknowledged.clone(), failures.clone());
        tasks.push(tokio::spawn(async move {
            let name = format!("client{client_id}");
            let http = reqwest::Client::builder()
                .cookie_store(true)
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            let mut last = 0u64;
            let mut failed_since_ack = 0u64;
            while last < INCREMENTS {
                assert!(started.elapsed() < DEADLINE, "{name}: no recovery within {DEADLINE:?} (at {last})");
                let response = http.post(format!("{base}/inc")).body(name.clone()).send().await;
                let response = match response {
                    Ok(response) if response.status() == 200 => response,
                    Ok(response) => {
                        assert_eq!(response.status(), 503, "{name}: only the store may fail");
                        failed_since_ack += 1;
                        failures.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(25)).await;
                        continue;
                    }
                    Err(error) => panic!("{name}: the service itself failed: {error}"),
                };
                let body = response.text().await.unwrap();
                let (owner, count) = body.split_once(':').unwrap();
                assert_eq!(owner, name, "cross-talk: {name} got {body}");
                let count: u64 = count.parse().unwrap();
                // An acknowledged increment is never lost; a failed attempt may have been applied
                // (the store wrote it, the answer did not arrive in time), never more than once.
                assert!(
                    count > last && count <= last + 1 + failed_since_ack,
                    "{name}: after {last} (and {failed_since_ack} failed attempts) got {count}"
                );
                last = count;
                failed_since_ack = 0;
                acknowledged.fetch_add(1, Ordering::Relaxed);
            }
            // The final value, read back, is exactly the last acknowledged one.
            loop {
                let response = http.get(format!("{base}/read")).send().await.unwrap();
                if response.status() == 200 {
                    assert_eq!(response.text().await.unwrap(), format!("{name}:{last}"));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            last
        }));
    }

    // Restart Redis once about a third of the increments are acknowledged.
    let total = CLIENTS as u64 * INCREMENTS;
    while acknowledged.load(Ordering::Relaxed) < total / 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let at = acknowledged.load(Ordering::Relaxed);
    redis.kill();
    // Down for longer than the backend's 1 s timeout: a shorter outage is absorbed by the store
    // retrying on a reconnected connection, and requests would only wait.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    redis.restart();
    let recovered_from = Instant::now();

    for task in tasks {
        assert_eq!(task.await.unwrap(), INCREMENTS);
    }
    println!(
        "{CLIENTS} clients x {INCREMENTS} increments in {:?}; Redis killed at {at}/{total} acknowledged, \
         {} attempts answered 503 during the outage, all finished {:?} after the restart",
        started.elapsed(),
        failures.load(Ordering::Relaxed),
        recovered_from.elapsed()
    );
    assert!(failures.load(Ordering::Relaxed) > 0, "the outage was observed (503s)");
}
