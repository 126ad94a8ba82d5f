use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(path = "/app;x")]
struct Visit {
    count: u32,
}

fn main() {}
