// Versions only go up along `migrate_from`: a version 2 cannot migrate from a version 3.
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(version = 3)]
struct VisitV3 {
    count: u32,
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(version = 2, migrate_from = "VisitV3")]
struct Visit {
    count: u32,
}

impl From<VisitV3> for Visit {
    fn from(old: VisitV3) -> Visit {
        Visit { count: old.count }
    }
}

fn main() {}
