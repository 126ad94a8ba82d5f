//! Open + save of one session through the signed-cookie backend and through server-side
//! sessions (in-memory store, Redis and PostgreSQL stores on loopback), measured in the same run.
//!
//! `cargo bench --bench server_side` (Redis at `REDIS_URL`, default `redis://127.0.0.1:6379/`;
//! PostgreSQL at `POSTGRES_URL`, see scripts/start-postgres.sh; the Redis or PostgreSQL cases are
//! skipped with a notice when it does not answer, and fail under CI, where `CI` is set and
//! `.ci/run` starts both). Numbers: docs/server-side.md.

#[path = "support/postgres.rs"]
mod postgres_support;
#[path = "support/redis.rs"]
mod redis_support;

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};
use session_runtime::{
    CookieConfig, Keys, PostgresStore, RedisStore, SecretKey, SecureCookieSessionInterface,
    ServerSideSessionInterface, SessionInterface, Tracked,
};

/// A typical small session: a user, a counter, a short cart.
#[derive(Serialize, Deserialize, Default)]
struct Visit {
    user: Option<String>,
    count: u64,
    cart: Vec<u64>,
}

fn keys() -> Keys {
    Keys::new(SecretKey::try_from(&[5u8; 32][..]).expect("key"))
}

/// The cookie a first visit gets, as the browser sends it back.
fn first_cookie(rt: &tokio::runtime::Runtime, backend: &Arc<dyn SessionInterface>) -> String {
    rt.block_on(async {
        let mut visit =
            Tracked::<Visit>::open_async(backend.clone(), CookieConfig::DEFAULT, &http::Request::new(()))
                .await;
        visit.user = Some("alice".into());
        visit.cart = vec![1, 2, 3];
        let mut response = http::Response::new(());
        visit.save_async(&mut response).await.expect("save");
        let line = response.headers()["set-cookie"].to_str().expect("ascii");
        line.split(';').next().expect("pair").to_owned()
    })
}

fn open_save(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut backends: Vec<(&str, Arc<dyn SessionInterface>)> = vec![
        ("cookie", Arc::new(SecureCookieSessionInterface::new(keys()))),
        ("memory", Arc::new(ServerSideSessionInterface::memory(keys()))),
    ];
    match redis_support::redis_url() {
        Some(url) => {
            let store =
                rt.block_on(async { RedisStore::builder(url).prefix("bench:").build() }).expect("redis");
            backends.push(("redis", Arc::new(ServerSideSessionInterface::new(keys(), store))));
        }
        None if std::env::var_os("CI").is_some() => panic!("CI is set but Redis (REDIS_URL) does not answer"),
        None => eprintln!("NOTICE: Redis is unreachable (REDIS_URL): the redis cases are skipped"),
    }
    match postgres_support::postgres_url() {
        Some(url) => {
            let store = rt
                .block_on(PostgresStore::builder(url).table("bench_server_side").connect())
                .expect("postgres");
            backends.push(("postgres", Arc::new(ServerSideSessionInterface::new(keys(), store))));
        }
        None if std::env::var_os("CI").is_some() => {
            panic!("CI is set but PostgreSQL (POSTGRES_URL) does not answer")
        }
        None => eprintln!("NOTICE: PostgreSQL is unreachable (POSTGRES_URL): the postgres cases are skipped"),
    }
    let mut group = c.benchmark_group("open_save");
    for (name, backend) in &backends {
        let cookie = first_cookie(&rt, backend);
        let request = http::Request::builder().header("cookie", &cookie).body(()).expect("request");
        group.bench_with_input(BenchmarkId::new("read", name), backend, |b, backend| {
            b.iter(|| {
                rt.block_on(async {
                    let visit =
                        Tracked::<Visit>::open_async(backend.clone(), CookieConfig::DEFAULT, &request).await;
                    assert_eq!(visit.user.as_deref(), Some("alice"));
                    let mut response = http::Response::new(());
                    visit.save_async(&mut response).await.expect("save");
                    response
                })
            });
        });
        group.bench_with_input(BenchmarkId::new("write", name), backend, |b, backend| {
            b.iter(|| {
                rt.block_on(async {
                    let mut visit =
                        Tracked::<Visit>::open_async(backend.clone(), CookieConfig::DEFAULT, &request).await;
                    visit.count += 1;
                    let mut response = http::Response::new(());
                    visit.save_async(&mut response).await.expect("save");
                    response
                })
            });
        });
    }
    group.finish();
}

criterion_group!(benches, open_save);
criterion_main!(benches);
