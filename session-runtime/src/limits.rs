//! The size limit every wire format shares, at the ground so the errors can name it.

/// The most bytes of JSON a session may hold, in either format: a compressed cookie is refused
/// when it inflates to more (so a few KB of cookie cannot cost megabytes to read), and `save`
/// refuses a session whose JSON is longer ([`Error::TooLarge`](crate::error::Error::TooLarge)) rather
/// than send a cookie that the next request would refuse. Only highly repetitive data gets near
/// it: the JSON must also compress into the cookie's 4 KB.
///
/// ```
/// assert_eq!(session_runtime::MAX_SESSION_JSON, 256 * 1024);
/// ```
pub const MAX_SESSION_JSON: usize = 256 * 1024;
