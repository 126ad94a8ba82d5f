use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(revocable = "user")]
struct Account {
    user: Vec<String>,
}

fn main() {}
