use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(revocable = "user")]
struct Account {
    #[serde(skip)]
    user: Option<String>,
}

fn main() {}
