// A share of the lifetime is a whole percentage from 1% to 99%.
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(permanent, refresh_after = "120%")]
struct Visit {
    count: u32,
}

fn main() {}
