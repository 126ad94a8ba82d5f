// Flask's format has no place for the issued-at time an absolute limit needs.
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(permanent, max_lifetime = "90d", format = "flask")]
struct Visit {
    count: u32,
}

fn main() {}
