// A config written by hand is checked too: `CookieConfig::from_static` runs the cookie rules in
// const evaluation, so this `__Host-` cookie without `secure` does not compile.
use session_runtime::{CookieConfig, config::StaticConfig};

const CONFIG: CookieConfig =
    CookieConfig::from_static(StaticConfig { name: "__Host-visit", ..StaticConfig::DEFAULT });

fn main() {
    assert_eq!(CONFIG.name(), "__Host-visit");
}
