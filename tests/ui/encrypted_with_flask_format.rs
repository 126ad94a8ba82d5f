use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(encrypted, format = "flask")]
struct Visit {
    count: u32,
}

fn main() {}
