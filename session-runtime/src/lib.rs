//! Typed, signed-cookie sessions in the manner of Flask.
//!
//! Your session is a struct; its cookie is signed with HMAC-SHA256 under a key ring with
//! rotation, bound to its cookie name and time-limited. The handle tracks reads and writes so the
//! response gets exactly Flask's `Set-Cookie` and `Vary: Cookie` decisions.
//!
//! ```
//! use session_runtime::{CookieConfig, Keys, SecretKey, SecureCookieSessionInterface, Tracked};
//! use std::sync::Arc;
//!
//! #[derive(serde::Serialize, serde::Deserialize, Default)]
//! struct Visit { count: u32 }
//!
//! let backend = Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?)));
//! let request = http::Request::new(());
//! let mut visit = Tracked::<Visit>::open_with(backend, CookieConfig::DEFAULT, &request);
//! visit.count += 1;
//! let mut response = http::Response::new(());
//! visit.save(&mut response)?;
//! assert!(response.headers().contains_key("set-cookie"));
//! assert_eq!(response.headers()["vary"], "Cookie");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

pub mod backend;
mod clock;
pub mod config;
mod envelope;
pub mod epoch;
mod error;
mod flash;
#[cfg(feature = "flask")]
pub mod flask;
mod format;
mod headers;
mod inspect;
mod integrations;
mod key;
mod limits;
mod log;
mod migrate;
mod opened;
mod secure_cookie;
mod server_side;
mod session;
#[cfg(feature = "test-util")]
pub mod test_util;
#[cfg(feature = "testing")]
mod testing;
mod tracked;

// What applications name, including every type the handle's and the scope's signatures take or
// return. Backend authors' items are in [`backend`]; what the derive expands to is in
// `__private`.
pub use backend::{ConfigRef, CookieSink, CookieSource, InterfaceRef, SaveReport, SessionInterface};
pub use clock::{Clock, FixedClock, SystemClock};
pub use config::{
    ConfigError, ConflictPolicy, CookieConfig, CookieConfigBuilder, SameSite, Schema, parse_lifetime,
};
pub use error::{Error, Rejection, StoreError};
pub use flash::Flash;
pub use format::{Format, is_sealed_value};
pub use inspect::{Check, Inspection, Unverified, inspect_unverified};
pub use integrations::{SaveFailed, SaveReports, SessionScope};
pub use key::{
    KeyError, Keys, MIN_NATIVE_KEY_LEN, MIN_STRONG_KEY_LEN, SecretKey, VerifiedBy, global_keys, install_keys,
};
pub use limits::MAX_SESSION_JSON;
pub use secure_cookie::SecureCookieSessionInterface;
pub use server_side::{
    DEFAULT_STORE_TIMEOUT, MemoryStore, ServerSideSessionInterface, SessionHandle, SessionInfo,
};
#[cfg(feature = "postgres")]
pub use server_side::{PostgresStore, PostgresStoreBuilder};
#[cfg(feature = "redis")]
pub use server_side::{RedisStore, RedisStoreBuilder};
pub use session::Session;
/// `#[derive(Session)]`: a typed session configured by `#[session(...)]`, checked at compile time.
/// The trait and the derive share the name, so `use session_runtime::Session;` brings both.
pub use session_macros::Session;
pub use tracked::Tracked;

#[cfg(feature = "actix")]
pub use integrations::actix;
#[cfg(feature = "axum")]
pub use integrations::axum;
#[cfg(feature = "tower")]
pub use integrations::tower;

/// Test-only helpers behind the `testing` feature: sign arbitrary raw parts with the real MAC so
/// tests and fuzzers reach the parsing behind the signature check. Not a public API.
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod __testing {
    pub use crate::testing::*;
}

/// What `#[derive(Session)]` expands to. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::backend::{CookieSource, SessionInterface};
    pub use crate::config::{ConflictPolicy, CookieConfig, SameSite, Settings};
    pub use crate::config::{MigrateFn, Schema};
    pub use crate::epoch::{EpochUser, Revocable, assert_epoch_user};
    pub use crate::format::Format;
    pub use crate::migrate::{MigratesFrom, PreviousVersion, check_versions, migrate_step};
    pub use crate::session::Session;
    pub use crate::session::checks::{
        DefaultSession, DeserializeSession, SerializeSession, SessionData, assert_session_data,
    };
    pub use crate::tracked::Tracked;
    pub use serde;
    pub use std::sync::Arc;
}
