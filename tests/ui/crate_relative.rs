use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(crate = "session_runtime")]
struct Visit {
    count: u32,
}

fn main() {}
