use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize)]
struct Visit {
    count: u32,
}

fn main() {}
