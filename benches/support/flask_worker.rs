//! Flask 3.1 timed in the same run as the Rust rows: a long-lived `benches/flask_bench.py
//! --worker` driven over a pipe, one JSON line per command (the protocol is in that script's
//! docstring). Each round of `benches/ratios.rs` runs one slice of Flask after its own slices, so
//! a ratio taken within a round compares two measurements made moments apart on the same host.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

/// The worker process and its pipes; killed when dropped.
pub struct FlaskWorker {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

/// Flask's nanoseconds per operation in one slice.
#[derive(Debug, Clone, Copy)]
pub struct FlaskSlice {
    pub open: f64,
    pub save: f64,
}

impl FlaskWorker {
    /// Starts `python benches/flask_bench.py --worker`; panics with the reason if it cannot.
    pub fn start(python: &Path) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/flask_bench.py");
        let mut child = Command::new(python)
            .arg(&script)
            .arg("--worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} {}: {e}", python.display(), script.display()));
        let input = child.stdin.take().expect("piped stdin");
        let output = BufReader::new(child.stdout.take().expect("piped stdout"));
        FlaskWorker { child, input, output }
    }

    fn ask(&mut self, command: Value) -> Value {
        writeln!(self.input, "{command}").expect("write to the Flask worker");
        self.input.flush().expect("flush the Flask worker's stdin");
        let mut line = String::new();
        self.output.read_line(&mut line).expect("read from the Flask worker");
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the Flask worker answered {line:?} to {command} ({e})"))
    }

    /// Prepares `label` (`small` or `large`): Flask opens `cookie_header` (or, with `None`, a
    /// cookie it makes for the same data) and checks the data; returns the header's length.
    pub fn setup(&mut self, label: &str, cookie_header: Option<&str>) -> u64 {
        let answer = self.ask(json!({ "setup": label, "cookie": cookie_header }));
        answer["cookie"].as_u64().expect("the Flask worker's setup answer")
    }

    /// `n` opens and `n` changed saves of `label`, in Flask.
    pub fn run(&mut self, label: &str, n: usize) -> FlaskSlice {
        let answer = self.ask(json!({ "run": label, "n": n }));
        let field = |name: &str| answer[name].as_f64().expect("the Flask worker's run answer");
        FlaskSlice { open: field("open"), save: field("save") }
    }

    /// Operations per slice so that one slice of Flask takes about `target_ns` of CPU time.
    pub fn calibrate(&mut self, label: &str, target_ns: f64) -> usize {
        let once = self.run(label, 16);
        ((target_ns / (once.open + once.save)) as usize).clamp(16, 2_000)
    }
}

impl Drop for FlaskWorker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
