use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(max_size = "4k")]
struct Visit {
    count: u32,
}

fn main() {}
