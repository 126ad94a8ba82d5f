use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(domain = "example.com\r\nX-Injected")]
struct Visit {
    count: u32,
}

fn main() {}
