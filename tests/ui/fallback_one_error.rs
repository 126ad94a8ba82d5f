use serde::{Deserialize, Serialize};
use session_runtime::Session;

// One mistake in the attributes is one error: the uses below still type-check against the
// fallback impl instead of failing too.
#[derive(Session, Serialize, Deserialize, Default)]
#[session(lifetime = "forever")]
struct Visit {
    count: u32,
}

fn main() -> Result<(), session_runtime::Error> {
    let request = http::Request::new(());
    let mut response = http::Response::new(());
    let mut visit = Visit::open(&request);
    visit.count += 1;
    visit.save(&mut response)?;
    let _name = Visit::CONFIG.name();
    let _config: &'static session_runtime::CookieConfig = Visit::config();
    Ok(())
}
