use serde::{Deserialize, Serialize};
use session_runtime::Session;

// The Flask format keeps the permanent flag and the flashes in the session dict itself; the
// native format has no reserved names (tests/derive_pass.rs).
#[derive(Session, Serialize, Deserialize, Default)]
#[session(format = "flask")]
struct Visit {
    count: u32,
    _permanent: bool,
}

fn main() {}
