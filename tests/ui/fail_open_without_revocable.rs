use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(fail_open)]
struct Account {
    user: Option<String>,
}

fn main() {}
