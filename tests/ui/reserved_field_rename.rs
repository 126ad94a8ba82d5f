use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
struct Visit {
    count: u32,
    #[serde(rename = "_flashes")]
    messages: Vec<String>,
}

fn main() {}
