// `on_conflict` takes "last_write" or "reject".
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(on_conflict = "merge")]
struct Cart {
    items: Vec<u64>,
}

fn main() {}
