// The absolute limit is at least the idle one.
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(permanent, lifetime = "7d", max_lifetime = "1d")]
struct Visit {
    count: u32,
}

fn main() {}
