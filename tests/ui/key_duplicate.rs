use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(secure, name = "visit")]
#[session(secure = false)]
struct Visit {
    count: u32,
}

fn main() {}
