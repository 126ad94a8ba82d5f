// `refresh_after` must be shorter than the lifetime, or a permanent cookie would expire before
// its refresh.
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(permanent, lifetime = "1h", refresh_after = "2h")]
struct Visit {
    count: u32,
}

fn main() {}
