use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
struct Visit {
    count: u32,
    _permanent: bool,
}

fn main() {}
