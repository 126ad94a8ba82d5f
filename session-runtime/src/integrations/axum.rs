//! axum extractor: `async fn handler(mut visit: Tracked<Visit>) { visit.count += 1 }` behind a
//! [`SessionLayer`](crate::tower::SessionLayer) (feature `axum`). No manual save.

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use super::scope::SessionScope;
use crate::session::Session;
use crate::tracked::Tracked;

/// The rejection when a handler extracts a session but no `SessionLayer` is in front of it: a
/// server misconfiguration, answered with `500`.
///
/// ```
/// use axum_core::response::IntoResponse;
/// let response = session_runtime::axum::MissingSessionLayer.into_response();
/// assert_eq!(response.status(), 500);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingSessionLayer;

impl std::fmt::Display for MissingSessionLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "a session was extracted but no SessionLayer wraps this route: add `.layer(SessionLayer::new())`",
        )
    }
}

impl std::error::Error for MissingSessionLayer {}

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

impl<S, T> FromRequestParts<S> for Tracked<T>
where
    S: Send + Sync,
    T: Session + Send + 'static,
{
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let scope = parts.extensions.get::<SessionScope>().ok_or(MissingSessionLayer)?;
        Ok(scope.open_async::<T, _>(&*parts).await)
    }
}
