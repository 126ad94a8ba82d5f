// Browsers cap a cookie at 400 days; so is the absolute limit.
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(permanent, max_lifetime = "401d")]
struct Visit {
    count: u32,
}

fn main() {}
