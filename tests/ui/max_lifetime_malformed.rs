// max_lifetime is read as lifetime is: units w, d, h, m, s, or seconds; at least one second.
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(permanent, max_lifetime = "0s")]
struct Visit {
    count: u32,
}

fn main() {}
