// A config written by hand is checked too: `CookieConfig::from_static` runs the cookie rules in
// const evaluation, so this `__Host-` cookie without `secure` does not compile.
use session_runtime::config::Settings;
use session_runtime::{ConflictPolicy, CookieConfig, Format};

const CONFIG: CookieConfig = CookieConfig::from_static(
    Settings { name: "__Host-visit", ..Settings::DEFAULT },
    Format::Native,
    ConflictPolicy::LastWrite,
);

fn main() {
    assert_eq!(CONFIG.name(), "__Host-visit");
}
