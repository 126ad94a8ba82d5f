use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(partitioned)]
struct Visit {
    count: u32,
}

fn main() {}
