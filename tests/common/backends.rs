//! The session backends every end-to-end test runs against: the signed cookie, server-side with
//! the in-memory store, server-side with Redis (`REDIS_URL`), server-side with PostgreSQL
//! (`POSTGRES_URL`), and server-side with the user-written file store of
//! `examples/custom_interface.rs`. [`each!`] and [`server_side!`] make one test per backend, so
//! the Redis and PostgreSQL ones can be reported `ignored` (where the build saw no `REDIS_URL` or
//! `POSTGRES_URL`, see build.rs) while the others still run.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use session_runtime::backend::{Record, SessionStore, StoreFuture, Written};
use session_runtime::{
    Keys, MemoryStore, PostgresStore, RedisStore, SecureCookieSessionInterface, ServerSideSessionInterface,
    SessionInterface,
};

/// `examples/custom_interface.rs`, for its `FileStore`: the seam a user implements for a new
/// engine, proven by every server-side test.
#[path = "../../examples/custom_interface.rs"]
mod custom_interface;

/// The example's file store in a fresh directory, removed with the last handle.
#[derive(Debug)]
pub struct CustomStore {
    store: custom_interface::FileStore,
    dir: std::path::PathBuf,
}

impl CustomStore {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("session-file-store-{}", random_hex()));
        CustomStore { store: custom_interface::FileStore::new(&dir).expect("a store directory"), dir }
    }
}

impl Drop for CustomStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl SessionStore for CustomStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        self.store.load(id)
    }
    fn save<'a>(&'a self, record: Record<'a>) -> StoreFuture<'a, Written> {
        self.store.save(record)
    }
    fn touch<'a>(&'a self, id: &'a str, ttl: Duration, user: Option<&'a str>) -> StoreFuture<'a, bool> {
        self.store.touch(id, ttl, user)
    }
    fn delete<'a>(&'a self, id: &'a str, user: Option<&'a str>) -> StoreFuture<'a, ()> {
        self.store.delete(id, user)
    }
    fn revoke_user<'a>(&'a self, user: &'a str) -> StoreFuture<'a, usize> {
        self.store.revoke_user(user)
    }
}

/// One backend; server-side ones carry their store so that several servers can share it.
#[derive(Debug, Clone)]
pub enum Backend {
    Cookie,
    Memory(Arc<MemoryStore>),
    Redis(Arc<RedisStore>),
    Postgres(Arc<PostgresStore>),
    Custom(Arc<CustomStore>),
}

impl Backend {
    pub fn cookie() -> Self {
        Backend::Cookie
    }

    /// A fresh in-memory store.
    pub fn memory() -> Self {
        Backend::Memory(Arc::new(MemoryStore::new()))
    }

    /// A Redis store under a fresh key prefix; panics when Redis is not there ([`redis_url`]).
    pub fn redis() -> Self {
        Backend::Redis(Arc::new(redis_store()))
    }

    /// A PostgreSQL store in a fresh table; panics when PostgreSQL is not there ([`postgres_url`]).
    pub fn postgres() -> Self {
        Backend::Postgres(Arc::new(postgres_store()))
    }

    /// The file store of `examples/custom_interface.rs`, in a fresh directory.
    pub fn custom() -> Self {
        Backend::Custom(Arc::new(CustomStore::new()))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Cookie => "cookie",
            Backend::Memory(_) => "memory",
            Backend::Redis(_) => "redis",
            Backend::Postgres(_) => "postgres",
            Backend::Custom(_) => "custom",
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
            Backend::Postgres(store) => Some(store.clone()),
            Backend::Custom(store) => Some(store.clone()),
        }
    }

    /// This backend keyed with `keys` (server-side ones share this backend's store).
    pub fn interface(&self, keys: Keys) -> Arc<dyn SessionInterface> {
        match self.store() {
            // With an epoch source: a revocable type (the demo's) needs one; others ignore it.
            None => Arc::new(SecureCookieSessionInterface::new(keys).with_epochs(
                session_runtime::epoch::Epochs::new(session_runtime::epoch::MemoryEpochs::new()),
            )),
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

/// A Redis store under a fresh prefix at [`redis_url`].
pub fn redis_store() -> RedisStore {
    let prefix = format!("test:{}:", random_hex());
    RedisStore::builder(redis_url()).prefix(prefix).build().expect("redis store")
}

/// `REDIS_URL`, checked to answer PING. The tests that call this are compiled `#[ignore]`d when
/// the build saw no `REDIS_URL` (`cfg(no_redis)`, never under CI), so a Redis missing here is a
/// failure that says what to do, never a silent pass.
pub fn redis_url() -> String {
    static URL: OnceLock<Result<String, String>> = OnceLock::new();
    let checked = URL.get_or_init(|| match std::env::var("REDIS_URL") {
        Ok(url) if ping(&url) => Ok(url),
        Ok(url) => Err(format!("needs a Redis server: REDIS_URL={url} does not answer PING")),
        Err(_) => Err("needs a Redis server: set REDIS_URL (e.g. redis://127.0.0.1:6379/)".into()),
    });
    checked.clone().unwrap_or_else(|message| panic!("{message}"))
}

/// A PostgreSQL store at [`postgres_url`] in a fresh table (created at first use), so tests
/// running at once never see each other's rows. Inside a Tokio runtime.
pub fn postgres_store() -> PostgresStore {
    PostgresStore::builder(postgres_url())
        .table(format!("test_{}", random_hex()))
        .max_connections(16)
        .build()
        .expect("postgres store")
}

/// `POSTGRES_URL` (scripts/start-postgres.sh prints one), checked to accept a TCP connection. The
/// tests that call this are compiled `#[ignore]`d when the build saw no `POSTGRES_URL`
/// (`cfg(no_postgres)`, never under CI), so a PostgreSQL missing here is a failure.
pub fn postgres_url() -> String {
    static URL: OnceLock<Result<String, String>> = OnceLock::new();
    let checked = URL.get_or_init(|| {
        let hint = "start one with `eval \"$(bash scripts/start-postgres.sh)\"`";
        match std::env::var("POSTGRES_URL") {
            Ok(url) if accepts_tcp(&url) => Ok(url),
            Ok(url) => {
                Err(format!("needs PostgreSQL: POSTGRES_URL's server does not accept connections ({hint})")
                    + &format!(" [{}]", url.split('@').next_back().unwrap_or_default()))
            }
            Err(_) => Err(format!("needs PostgreSQL: set POSTGRES_URL ({hint})")),
        }
    });
    checked.clone().unwrap_or_else(|message| panic!("{message}"))
}

/// Whether the host and port of a `postgres://…@host:port/db` URL accept a TCP connection.
fn accepts_tcp(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host_port = rest.rsplit('@').next().unwrap_or_default().split(['/', '?']).next().unwrap_or_default();
    let host_port = if host_port.contains(':') { host_port.to_owned() } else { format!("{host_port}:5432") };
    let Some(addr) = host_port.to_socket_addrs().ok().and_then(|mut a| a.next()) else { return false };
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
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
    /// The backend of the test in progress (see [`each!`]).
    pub static CURRENT: Backend;
}

/// The backend of the test in progress (see [`each!`]).
pub fn current() -> Backend {
    CURRENT.with(Backend::clone)
}

/// Runs `test` with [`current`] returning `backend`.
pub async fn run(backend: Backend, test: impl std::future::Future<Output = ()>) {
    CURRENT.scope(backend, test).await;
}

/// `each!(name)` after `async fn name()`: the tests `name::cookie`, `name::memory`,
/// `name::redis`, `name::postgres` and `name::custom`, each running `name` with [`current`] returning that backend. Arguments after the
/// name go to `#[tokio::test(...)]`, e.g. `each!(name, flavor = "multi_thread")`.
#[allow(unused_macros)] // each test file uses some of these
macro_rules! each {
    ($name:ident $(, $($args:tt)*)?) => {
        $crate::backends::tests!($name [$($($args)*)?] cookie memory redis postgres custom);
    };
}

/// [`each!`] for the server-side backends only: `name::memory`, `name::redis`, `name::postgres`
/// and `name::custom`.
#[allow(unused_macros)]
macro_rules! server_side {
    ($name:ident $(, $($args:tt)*)?) => {
        $crate::backends::tests!($name [$($($args)*)?] memory redis postgres custom);
    };
}

/// The module `name` with one test per listed backend (`args`: `[tokio::test arguments]`).
#[allow(unused_macros)]
macro_rules! tests {
    ($name:ident $args:tt $($backend:ident)*) => {
        mod $name {
            $($crate::backends::tests!(@one $name $args $backend);)*
        }
    };
    (@one $name:ident [$($args:tt)*] redis) => {
        #[tokio::test($($args)*)]
        #[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
        async fn redis() {
            $crate::backends::run($crate::backends::Backend::redis(), super::$name()).await;
        }
    };
    (@one $name:ident [$($args:tt)*] postgres) => {
        #[tokio::test($($args)*)]
        #[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
        async fn postgres() {
            $crate::backends::run($crate::backends::Backend::postgres(), super::$name()).await;
        }
    };
    (@one $name:ident [$($args:tt)*] $backend:ident) => {
        #[tokio::test($($args)*)]
        async fn $backend() {
            $crate::backends::run($crate::backends::Backend::$backend(), super::$name()).await;
        }
    };
}

#[allow(unused_imports)]
pub(crate) use {each, server_side, tests};
