// Versions start at 1 (what an unversioned cookie is).
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(version = 0)]
struct Visit {
    count: u32,
}

fn main() {}
