use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
enum Visit {
    #[default]
    Anonymous,
    User(String),
}

fn main() {}
