// The previous version keeps its `#[derive(Session)]`: the chain reads its version from it.
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Serialize, Deserialize, Default)]
struct VisitV1 {
    count: u32,
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(version = 2, migrate_from = "VisitV1")]
struct Visit {
    count: u32,
}

impl From<VisitV1> for Visit {
    fn from(old: VisitV1) -> Visit {
        Visit { count: old.count }
    }
}

fn main() {}
