use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(revocable = "user", format = "flask")]
struct Account {
    user: Option<String>,
}

fn main() {}
