//! What compare-and-set costs a server-side save: open + change + save of one session with and
//! without it, alternated round by round in one run, on the memory store, on Redis, on
//! PostgreSQL and, when `REDIS_CLUSTER_NODES` names one, on a Redis Cluster.
//!
//! `cargo bench --bench cas` (Redis at `REDIS_URL`, default `redis://127.0.0.1:6379/`; PostgreSQL
//! at `POSTGRES_URL`, see scripts/start-postgres.sh; each skipped with a notice when it does not
//! answer, a failure under CI; the Cluster rows with `REDIS_CLUSTER_NODES=redis://127.0.0.1:7000,…`,
//! skipped with a notice when unset). Wall time: a Redis or PostgreSQL save is mostly a round
//! trip, which thread CPU time would leave out. `-- --test` runs two short rounds (CI).
//! Numbers: docs/server-side.md.

#[path = "support/postgres.rs"]
mod postgres_support;
#[path = "support/redis.rs"]
mod redis_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use session_runtime::backend::SessionStore;
use session_runtime::{
    CookieConfig, Keys, MemoryStore, PostgresStore, RedisStore, SecretKey, ServerSideSessionInterface,
    Tracked,
};

#[derive(Serialize, Deserialize, Default)]
struct Visit {
    user: Option<String>,
    count: u64,
    cart: Vec<u64>,
}

fn keys() -> Keys {
    Keys::new(SecretKey::try_from(&[5u8; 32][..]).expect("key"))
}

/// One backend under test: its name and the request carrying its session's cookie.
struct Case {
    name: String,
    backend: Arc<ServerSideSessionInterface>,
    request: http::Request<()>,
}

impl Case {
    async fn new(name: String, backend: ServerSideSessionInterface) -> Case {
        let backend = Arc::new(backend);
        let mut visit =
            Tracked::<Visit>::open_async(backend.clone(), CookieConfig::DEFAULT, &http::Request::new(()))
                .await;
        visit.user = Some("alice".into());
        visit.cart = vec![1, 2, 3];
        let mut response = http::Response::new(());
        visit.save_async(&mut response).await.expect("save");
        let pair = response.headers()["set-cookie"]
            .to_str()
            .expect("ascii")
            .split(';')
            .next()
            .expect("pair")
            .to_owned();
        let request = http::Request::builder().header("cookie", pair).body(()).expect("request");
        Case { name, backend, request }
    }

    /// Mean time of `n` open + change + save.
    async fn time(&self, n: u32) -> Duration {
        let started = Instant::now();
        for _ in 0..n {
            let mut visit =
                Tracked::<Visit>::open_async(self.backend.clone(), CookieConfig::DEFAULT, &self.request)
                    .await;
            visit.count += 1;
            let mut response = http::Response::new(());
            visit.save_async(&mut response).await.expect("save");
        }
        started.elapsed() / n
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let smoke = std::env::args().any(|a| a == "--test");
    let (rounds, n) = if smoke { (2, 5) } else { (31, 300) };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut stores: Vec<(&str, Arc<dyn SessionStore>)> = vec![("memory", Arc::new(MemoryStore::new()))];
    match redis_support::redis_url() {
        Some(url) => {
            let store =
                rt.block_on(async { RedisStore::builder(url).prefix("bench-cas:").build() }).expect("redis");
            stores.push(("redis", Arc::new(store)));
        }
        None if std::env::var_os("CI").is_some() => panic!("CI is set but Redis (REDIS_URL) does not answer"),
        None => eprintln!("NOTICE: Redis is unreachable (REDIS_URL): the redis rows are skipped"),
    }
    match postgres_support::postgres_url() {
        Some(url) => {
            let store =
                rt.block_on(PostgresStore::builder(url).table("bench_cas").connect()).expect("postgres");
            stores.push(("postgres", Arc::new(store)));
        }
        None if std::env::var_os("CI").is_some() => {
            panic!("CI is set but PostgreSQL (POSTGRES_URL) does not answer")
        }
        None => eprintln!("NOTICE: PostgreSQL is unreachable (POSTGRES_URL): the postgres rows are skipped"),
    }
    match redis_support::redis_cluster_nodes() {
        Some(nodes) => {
            let store = rt
                .block_on(async { RedisStore::cluster(nodes).prefix("bench-cas:").build() })
                .expect("redis cluster");
            stores.push(("redis cluster", Arc::new(store)));
        }
        None => eprintln!("NOTICE: REDIS_CLUSTER_NODES is unset: the redis cluster rows are skipped"),
    }
    println!(
        "{rounds} rounds of {n} open + change + save per row, alternated; wall time; medians over the rounds\n"
    );
    println!("| store | with compare-and-set | without | ratio (median, range) |\n|---|---:|---:|---:|");
    for (name, store) in stores {
        let (with, without) = rt.block_on(async {
            let with = Case::new(
                format!("{name}/cas"),
                ServerSideSessionInterface::with_store(keys(), store.clone()),
            )
            .await;
            let plain =
                ServerSideSessionInterface::with_store(keys(), store.clone()).without_compare_and_set();
            (with, Case::new(format!("{name}/plain"), plain).await)
        });
        let (mut times_with, mut times_without, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            // Alternate which goes first, so neither always runs on a warmer machine.
            let (a, b) = if round % 2 == 0 { (&with, &without) } else { (&without, &with) };
            let (ta, tb) = rt.block_on(async { (a.time(n).await, b.time(n).await) });
            let (cas, plain) = if round % 2 == 0 { (ta, tb) } else { (tb, ta) };
            times_with.push(cas.as_secs_f64() * 1e6);
            times_without.push(plain.as_secs_f64() * 1e6);
            ratios.push(cas.as_secs_f64() / plain.as_secs_f64());
        }
        let (low, high) = ratios.iter().fold((f64::MAX, f64::MIN), |(l, h), &r| (l.min(r), h.max(r)));
        println!(
            "| {} | {:.2} µs | {:.2} µs | {:.2}× ({low:.2}–{high:.2}) |",
            with.name.trim_end_matches("/cas"),
            median(&mut times_with),
            median(&mut times_without),
            median(&mut ratios),
        );
    }
}
