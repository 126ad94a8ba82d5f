//! Framework integrations, each behind its own feature. Nothing else in the crate depends on them.

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;
mod configs;
mod scope;
#[cfg(any(feature = "tower", feature = "actix", feature = "test-util"))]
mod settings;
#[cfg(feature = "tower")]
pub mod tower;

pub use scope::{SaveFailed, SaveReports, SessionScope};
#[cfg(feature = "test-util")]
pub(crate) use settings::LayerSettings;
