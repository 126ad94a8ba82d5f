use serde::{Deserialize, Serialize};
use session_runtime::Session;

// The shape error is the only one: the enum still gets a fallback impl for its uses.
#[derive(Session, Serialize, Deserialize, Default)]
enum Visit {
    #[default]
    Anonymous,
}

fn main() {
    let _visit = Visit::open(&http::Request::new(()));
}
