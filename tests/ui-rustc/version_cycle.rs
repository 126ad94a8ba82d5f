// Two types migrating from each other: versions must go up along `migrate_from`, so one of the
// two steps goes down, and that is the error (a cycle cannot go up all the way round).
use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
#[session(version = 2, migrate_from = "Cart")]
struct Visit {
    count: u32,
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(version = 3, migrate_from = "Visit")]
struct Cart {
    count: u32,
}

impl From<Cart> for Visit {
    fn from(old: Cart) -> Visit {
        Visit { count: old.count }
    }
}

impl From<Visit> for Cart {
    fn from(old: Visit) -> Cart {
        Cart { count: old.count }
    }
}

fn main() {}
