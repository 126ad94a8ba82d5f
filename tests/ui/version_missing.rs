// `migrate_from` without `version`: the type would be version 1, the first.
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
struct VisitV1 {
    count: u32,
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(migrate_from = "VisitV1")]
struct Visit {
    count: u32,
}

impl From<VisitV1> for Visit {
    fn from(old: VisitV1) -> Visit {
        Visit { count: old.count }
    }
}

fn main() {}
