//! Sets `cfg(no_flask)` for the CLI's Flask test when Flask 3.1 is not installed (outside CI), so
//! that test is reported `ignored` rather than passing without running (build/detect.rs).

#[path = "build/detect.rs"]
mod detect;

use std::path::Path;

fn main() {
    let ci = detect::ci();
    // The repository root, where scripts/setup-python.sh makes `.venv`.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.parent().unwrap_or(manifest);
    detect::cfg_when("no_flask", !ci && !detect::flask(root));
}
