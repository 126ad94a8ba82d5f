use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
struct Visit(u32, String);

fn main() {}
