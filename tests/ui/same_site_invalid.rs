use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(same_site = "sometimes")]
struct Visit {
    count: u32,
}

fn main() {}
