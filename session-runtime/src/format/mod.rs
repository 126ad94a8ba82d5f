//! Wire formats: how a session payload becomes a signed cookie value and back.

pub(crate) mod base64url;
pub(crate) mod compress;
pub(crate) mod native;

/// Which wire format a session cookie uses.
///
/// ```
/// assert_eq!(session_runtime::Format::default(), session_runtime::Format::Native);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Format {
    /// Native format v1: HMAC-SHA256, cookie name and version bound into the MAC.
    #[default]
    Native,
}
