use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Default)]
struct Cart;

#[derive(Session, Serialize, Deserialize, Default)]
struct Visit {
    count: u32,
    cart: Cart,
}

fn main() {}
