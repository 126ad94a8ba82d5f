//! The trait `#[derive(Session)]` implements.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::CookieConfig;
use crate::headers::CookieSource;
use crate::interface::SessionInterface;
use crate::tracked::Tracked;

/// A session type: its data and its cookie configuration. Implement it with
/// `#[derive(Session)]`; by hand it is two items.
///
/// ```
/// use session_runtime::{CookieConfig, Session, StaticConfig};
///
/// #[derive(serde::Serialize, serde::Deserialize, Default)]
/// struct Visit { count: u32 }
///
/// impl Session for Visit {
///     const CONFIG: CookieConfig = CookieConfig::from_static(StaticConfig { name: "visit", ..StaticConfig::DEFAULT });
///     fn config() -> &'static CookieConfig {
///         static CONFIG: CookieConfig = <Visit as Session>::CONFIG;
///         &CONFIG
///     }
/// }
///
/// let visit = Visit::open(&http::Request::new(()));
/// assert_eq!(visit.count, 0);
/// ```
pub trait Session: Serialize + DeserializeOwned + Default + Sized {
    /// The cookie configuration, checked at compile time by the derive.
    const CONFIG: CookieConfig;

    /// The same configuration as a `'static` reference.
    fn config() -> &'static CookieConfig;

    /// Opens this session from `request` with the process-wide key ring. Never fails.
    fn open<R: CookieSource + ?Sized>(request: &R) -> Tracked<Self> {
        Tracked::open(Self::config(), request)
    }

    /// Opens this session from `request` with the given backend. Never fails.
    fn open_with<R: CookieSource + ?Sized>(
        interface: &Arc<dyn SessionInterface>,
        request: &R,
    ) -> Tracked<Self> {
        Tracked::open_with(Arc::clone(interface), Self::config(), request)
    }
}
