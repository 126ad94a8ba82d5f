// `migrate_from` names the previous version's type, never the type itself.
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(version = 2, migrate_from = "Visit")]
struct Visit {
    count: u32,
}

fn main() {}
