//! Glue between sessions and HTTP headers: where cookies come from ([`CookieSource`]), where
//! `Set-Cookie` and `Vary` go ([`CookieSink`]), and how a `Set-Cookie` line is written.

mod set_cookie;
mod sink;
mod source;

pub(crate) use set_cookie::Attributes;
pub use set_cookie::{delete_cookie_line, set_cookie_line};
pub use sink::CookieSink;
#[cfg_attr(not(feature = "actix"), allow(unused_imports))]
pub(crate) use sink::{VaryUpdate, merged_vary};
pub use source::CookieSource;
pub(crate) use source::cookie_values;
pub use source::read_cookie;
