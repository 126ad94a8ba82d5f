use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(lifetime = "3 days")]
struct Visit {
    count: u32,
}

fn main() {}
