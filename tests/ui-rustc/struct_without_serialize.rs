use serde::Deserialize;
use session_runtime::Session;

#[derive(Session, Deserialize, Default)]
struct Visit {
    count: u32,
}

fn main() {
    let request = http::Request::new(());
    let _visit = Visit::open(&request);
}
