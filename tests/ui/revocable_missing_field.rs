use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(revocable = "usr")]
struct Account {
    user: Option<String>,
    visits: u32,
}

fn main() {}
