//! The axum 0.8 variants: the same two routes (`GET /` reads the session, `POST /` changes it)
//! behind each layer, served on one Tokio runtime (the child process is pinned to one core).

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use axum_extra::extract::cookie::{Cookie, Key as ExtraKey, SameSite, SignedCookieJar};
use session_runtime::tower::SessionLayer;
use session_runtime::{
    Keys, PostgresStore, RedisStore, SecretKey, SecureCookieSessionInterface, ServerSideSessionInterface,
    SessionInterface, Tracked,
};
use tower_sessions::{Expiry, MemoryStore, Session, SessionManagerLayer, SessionStore};

use crate::payload::{COOKIE_KEY, NONE, Plain, Small, SmallSealed};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The router of an axum variant; `None` when `variant` is not one.
pub async fn router(variant: &str, env: &crate::Env) -> Result<Option<Router>, Error> {
    let keys = || Keys::new(SecretKey::try_from(&COOKIE_KEY[..32]).expect("a 32-byte key"));
    let ours = |backend: Arc<dyn SessionInterface>| -> Router {
        Router::new()
            .route("/", get(ours_read::<Small>).post(ours_change::<Small>))
            .layer(SessionLayer::with_interface(backend))
    };
    let router = match variant {
        "axum" => Router::new().route("/", get(|| async { NONE }).post(|| async { "0" })),
        "ours-signed" => ours(Arc::new(SecureCookieSessionInterface::new(keys()))),
        "ours-sealed" => Router::new()
            .route("/", get(ours_read::<SmallSealed>).post(ours_change::<SmallSealed>))
            .layer(SessionLayer::with_interface(Arc::new(SecureCookieSessionInterface::new(keys())))),
        "ours-memory" => ours(Arc::new(ServerSideSessionInterface::memory(keys()))),
        "ours-redis" => {
            let store = RedisStore::builder(env.redis()?).prefix("bench:ours:").build()?;
            ours(Arc::new(ServerSideSessionInterface::new(keys(), store)))
        }
        "ours-postgres" => {
            let store = PostgresStore::builder(env.postgres()?).table("bench_ours").connect().await?;
            ours(Arc::new(ServerSideSessionInterface::new(keys(), store)))
        }
        "ts-memory" => tower_sessions(SessionManagerLayer::new(MemoryStore::default())),
        "ts-memory-signed" => {
            let key = tower_sessions::cookie::Key::from(COOKIE_KEY);
            tower_sessions(SessionManagerLayer::new(MemoryStore::default()).with_signed(key))
        }
        "ts-redis" => {
            use tower_sessions_redis_store::fred::prelude::{ClientLike, Config, Pool};
            let pool = Pool::new(Config::from_url(&env.redis()?)?, None, None, None, 6)?;
            // The connection task runs on its own; the pool is ready once wait_for_connect returns.
            let _connection_task = pool.connect();
            pool.wait_for_connect().await?;
            tower_sessions(SessionManagerLayer::new(tower_sessions_redis_store::RedisStore::new(pool)))
        }
        "ts-postgres" => {
            let pool = sqlx::PgPool::connect(&env.postgres()?).await?;
            let store = tower_sessions_sqlx_store::PostgresStore::new(pool);
            store.migrate().await?;
            tower_sessions(SessionManagerLayer::new(store))
        }
        "axum-extra-signed" => {
            Router::new().route("/", get(jar_read).post(jar_change)).with_state(ExtraKey::from(COOKIE_KEY))
        }
        _ => return Ok(None),
    };
    Ok(Some(router))
}

async fn ours_read<T: session_runtime::Session + Send + Reads + 'static>(session: Tracked<T>) -> String {
    session.read_it()
}

async fn ours_change<T: session_runtime::Session + Send + Reads + 'static>(
    mut session: Tracked<T>,
) -> String {
    session.change_it()
}

/// The two routes' work on both of our session types.
pub trait Reads {
    fn read_it(&self) -> String;
    fn change_it(&mut self) -> String;
}

impl Reads for Small {
    fn read_it(&self) -> String {
        self.read()
    }
    fn change_it(&mut self) -> String {
        self.change()
    }
}

impl Reads for SmallSealed {
    fn read_it(&self) -> String {
        self.read()
    }
    fn change_it(&mut self) -> String {
        self.change()
    }
}

/// tower-sessions' recommended setup, with the cookie attributes of ours (`HttpOnly`,
/// `SameSite=Lax`, `Path=/`, not `Secure` on plain HTTP) and a session that lasts the browser's.
fn tower_sessions<S, C>(layer: SessionManagerLayer<S, C>) -> Router
where
    S: SessionStore + Clone,
    C: tower_sessions::service::CookieController + Send + Sync + 'static,
{
    let layer = layer.with_name("s").with_secure(false).with_expiry(Expiry::OnSessionEnd);
    Router::new().route("/", get(ts_read).post(ts_change)).layer(layer)
}

async fn ts_read(session: Session) -> String {
    match session.get::<Plain>("s").await {
        Ok(Some(small)) => small.read(),
        _ => NONE.to_owned(),
    }
}

async fn ts_change(session: Session) -> String {
    let mut small = session.get::<Plain>("s").await.ok().flatten().unwrap_or_default();
    let answer = small.change();
    match session.insert("s", small).await {
        Ok(()) => answer,
        Err(_) => "error".to_owned(),
    }
}

async fn jar_read(jar: SignedCookieJar) -> String {
    jar.get("s")
        .and_then(|cookie| serde_json::from_str::<Plain>(cookie.value()).ok())
        .map_or_else(|| NONE.to_owned(), |small| small.read())
}

async fn jar_change(jar: SignedCookieJar) -> (SignedCookieJar, String) {
    let mut small = jar
        .get("s")
        .and_then(|cookie| serde_json::from_str::<Plain>(cookie.value()).ok())
        .unwrap_or_default();
    let answer = small.change();
    let json = serde_json::to_string(&small).unwrap_or_default();
    let cookie = Cookie::build(("s", json)).path("/").http_only(true).same_site(SameSite::Lax);
    (jar.add(cookie), answer)
}
