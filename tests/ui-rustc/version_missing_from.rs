// `migrate_from` reads the old cookie as `VisitV1` and converts it with `From`: without
// `impl From<VisitV1> for Visit` there is no conversion, and the error says which impl to add.
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
struct VisitV1 {
    count: u32,
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(version = 2, migrate_from = "VisitV1")]
struct Visit {
    visits: u64,
}

fn main() {}
