use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
struct Visit {
    #[session(secure)]
    count: u32,
}

fn main() {}
