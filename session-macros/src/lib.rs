//! `#[derive(Session)]` for session-runtime.
