//! The cookie rules of typed-sessions, in one copy: the checks, the defaults, the lifetime parser,
//! the JSON keys the Flask format reserves, and the message of every problem.
//!
//! Two crates enforce these rules: `session-macros` at compile time, reporting every broken rule
//! under the attribute to change, and `session-runtime` (`CookieConfig::builder()` and
//! `CookieConfig::from_static`), reporting the first. Both depend on this crate, pinned to the
//! exact version, as `serde_derive` depends on `serde_derive_internals`: it is not meant to be
//! used on its own and makes no stability promise of its own. It has no dependencies.
//!
//! ```
//! use session_rules::{Rule, Settings, first_problem, parse_lifetime};
//!
//! let settings = Settings {
//!     name: "__Host-visit",
//!     lifetime: parse_lifetime("7d")?,
//!     ..Settings::DEFAULT
//! };
//! // The runtime: the first broken rule.
//! let problem = first_problem(&settings).unwrap();
//! assert_eq!(
//!     problem.to_string(),
//!     "a cookie named `__Host-…` requires `secure`: browsers reject it otherwise",
//! );
//! // The derive: every broken rule, each to be shown under its own attribute.
//! let broken = Rule::ALL.into_iter().filter(|rule| rule.check(&settings).is_some());
//! assert_eq!(broken.collect::<Vec<_>>(), [Rule::HostPrefixNeedsSecure]);
//! # Ok::<(), session_rules::Problem<&str>>(())
//! ```
//!
//! The checks are `const fn`s so that `CookieConfig::from_static` can run them in const
//! evaluation; [`ConstMessage`] renders a message there, and `Display` shows that same rendering.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

// `String` for the owned `Problem`; nothing else needs more than `core`.
extern crate alloc;

mod lifetime;
mod message;
mod problem;
mod reserved;
mod rules;
mod settings;
mod version;

pub use lifetime::{parse_lifetime, parse_max_lifetime, parse_refresh_after};
pub use message::ConstMessage;
pub use problem::Problem;
pub use reserved::{RESERVED_KEYS, key_problem};
pub use rules::{Rule, domain_problem, first_problem, is_cookie_name, path_problem};
pub use settings::{DEFAULT_LIFETIME, DEFAULT_MAX_SIZE, MAX_ATTRIBUTE_LEN, MAX_LIFETIME, SameSite, Settings};
pub use version::{FIRST_VERSION, migration_problem, parse_version, revocable_problem, schema_problem};
