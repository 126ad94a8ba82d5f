// Flask's cookie is a plain dict the Flask app reads: a version key would show up in it.
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(format = "flask", version = 2)]
struct Visit {
    count: u32,
}

fn main() {}
