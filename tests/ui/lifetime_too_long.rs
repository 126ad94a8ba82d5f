use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(lifetime = "401d")]
struct Visit {
    count: u32,
}

fn main() {}
