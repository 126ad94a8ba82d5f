use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "__Host-visit")]
struct Visit {
    count: u32,
}

fn main() {}
