use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(lifetime = "0s")]
struct Visit {
    count: u32,
}

fn main() {}
