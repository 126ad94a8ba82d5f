//! Framework integrations, each behind its own feature. Nothing else in the crate depends on them.

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;
mod configs;
mod scope;
#[cfg(feature = "tower")]
pub mod tower;

#[cfg(feature = "test-util")]
pub(crate) use configs::TypeConfigs;
pub use scope::{SaveFailed, SaveReports, SessionScope};
