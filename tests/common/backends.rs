//! The session backends every end-to-end test runs against: the signed cookie, server-side with
//! the in-memory store, and server-side with Redis (`REDIS_URL`, default
//! `redis://127.0.0.1:6379/`). When Redis is unreachable the Redis runs are skipped with a
//! notice, except under CI (`CI` set), where that is a failure.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use session_runtime::{
    Keys, MemoryStore, RedisStore, SecureCookieSessionInterface, ServerSideSessionInterface,
    SessionInterface, SessionStore,
};

/// One backend; server-side ones carry their store so that several servers can share it.
#[derive(Debug, Clone)]
pub enum Backend {
    Cookie,
    Memory(Arc<MemoryStore>),
    Redis(Arc<RedisStore>),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Cookie => "cookie",
            Backend::Memory(_) => "memory",
            Backend::Redis(_) => "redis",
        }
    }

    pub fn is_server_side(&self) -> bool {
        !matches!(self, Backend::Cookie)
    }

    pub fn store(&self) -> Option<Arc<dyn SessionStore>> {
        match self {
            Backend::Cookie => None,
            Backend::Memory(store) => Some(store.clone()),
            Backend::Redis(store) => Some(store.clone()),
        }
    }

    /// This backend keyed with `keys` (server-side ones share this backend's store).
    pub fn interface(&self, keys: Keys) -> Arc<dyn SessionInterface> {
        match self.store() {
            None => Arc::new(SecureCookieSessionInterface::new(keys)),
            Some(store) => Arc::new(ServerSideSessionInterface::with_store(keys, store)),
        }
    }

    /// The server-side interface (with a user index on `user_field`), for the tests that need it.
    pub fn server_side(&self, keys: Keys) -> Option<Arc<ServerSideSessionInterface>> {
        self.store().map(|store| Arc::new(ServerSideSessionInterface::with_store(keys, store)))
    }

    /// This backend without a key: null sessions.
    pub fn without_keys(&self) -> Arc<dyn SessionInterface> {
        match self.store() {
            None => Arc::new(SecureCookieSessionInterface::without_keys()),
            Some(store) => Arc::new(ServerSideSessionInterface::without_keys(store)),
        }
    }
}

/// Every backend, each with a fresh store (Redis: a fresh key prefix). Call inside a Tokio
/// runtime.
pub fn all() -> Vec<Backend> {
    let mut backends = vec![Backend::Cookie, Backend::Memory(Arc::new(MemoryStore::new()))];
    if let Some(store) = redis_store() {
        backends.push(Backend::Redis(Arc::new(store)));
    }
    backends
}

/// The server-side backends only.
pub fn server_side() -> Vec<Backend> {
    all().into_iter().filter(Backend::is_server_side).collect()
}

/// A Redis store under a fresh prefix, or `None` (with a notice) when Redis is unreachable
/// outside CI.
pub fn redis_store() -> Option<RedisStore> {
    let url = redis_url()?;
    let prefix = format!("test:{}:", random_hex());
    Some(RedisStore::builder(url).prefix(prefix).build().expect("redis store"))
}

/// `REDIS_URL` if that Redis answers PING; `None` with a notice otherwise; a panic under CI.
pub fn redis_url() -> Option<String> {
    static URL: OnceLock<Option<String>> = OnceLock::new();
    URL.get_or_init(|| {
        let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
        if ping(&url) {
            return Some(url);
        }
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but Redis at {url} does not answer: .ci/run must start redis-server");
        }
        eprintln!(
            "NOTICE: Redis at {url} is unreachable: the Redis runs of these tests are SKIPPED (set REDIS_URL)"
        );
        None
    })
    .clone()
}

/// Whether the Redis at `url` answers PING.
pub fn ping(url: &str) -> bool {
    let host_port = url.trim_start_matches("redis://").split('/').next().unwrap_or_default();
    let host_port = host_port.rsplit('@').next().unwrap_or_default();
    let Some(addr) = host_port.to_socket_addrs().ok().and_then(|mut a| a.next()) else { return false };
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

pub fn random_hex() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

tokio::task_local! {
    /// The backend of the test run in progress (see [`each`]).
    pub static CURRENT: Backend;
}

/// The backend of the run in progress.
pub fn current() -> Backend {
    CURRENT.with(Backend::clone)
}

/// Runs `test` once per backend, with [`current`] telling which.
pub async fn each<F, Fut>(test: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in all() {
        println!("-- backend: {}", backend.name());
        CURRENT.scope(backend, test()).await;
    }
}
