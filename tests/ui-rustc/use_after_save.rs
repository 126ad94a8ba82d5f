use serde::{Deserialize, Serialize};
use session_runtime::Session;

#[derive(Session, Serialize, Deserialize, Default)]
struct Visit {
    count: u32,
}

fn main() -> Result<(), session_runtime::Error> {
    let request = http::Request::new(());
    let mut response = http::Response::new(());
    let mut visit = Visit::open(&request);
    visit.count += 1;
    visit.save(&mut response)?;
    visit.count += 1;
    Ok(())
}
