use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "a b", lifetime = "0s", secure = 1)]
struct Visit {
    count: u32,
}

fn main() {}
