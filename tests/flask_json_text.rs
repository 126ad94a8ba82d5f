//! Python's JSON text, against real Flask (feature `flask`; Flask 3.1 from `.venv` or
//! `FLASK_PYTHON`, see `scripts/setup-python.sh`): the float `repr` and string escapes on
//! thousands of values, and random sessions (every tag, escapes, NaN, big integers, both sides of
//! the zlib edge) signed by Rust and re-signed by Flask to the same bytes. The fixed shapes and
//! decode cases are `tests/flask_interop.rs`.

mod common;
mod flask_support;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{request, response, set_cookies};
use flask_support::{flask_python, legacy, run_python};
use serde_json::json;
use session_runtime::flask::{DateTime, Uuid, Value};
use session_runtime::{CookieConfig, FixedClock, Keys, SecureCookieSessionInterface, Tracked};

const NOW: u64 = 1_700_000_000;

fn s(text: &str) -> String {
    text.to_owned()
}

/// The cookie value a brand-new session holding `session` gets, if it is saved at all.
fn sign(
    backend: &Arc<SecureCookieSessionInterface>,
    config: &CookieConfig,
    session: BTreeMap<String, Value>,
) -> Option<String> {
    let mut fresh: Tracked<BTreeMap<String, Value>> =
        Tracked::open_with(backend.clone(), config.clone(), &request(None));
    *fresh = session;
    let mut resp = response();
    fresh.save(&mut resp).expect("save");
    let [line] = set_cookies(&resp).try_into().ok()?;
    line.split(';').next().and_then(|pair| pair.split_once('=')).map(|(_, value)| value.to_owned())
}

// ---------------------------------------------------------------------------------------------
// The JSON text itself, on many values: Python's float repr and string escapes.

#[test]
#[cfg_attr(no_flask, ignore = "needs Flask 3.1: bash scripts/setup-python.sh")]
fn float_repr_and_string_escapes_match_python() {
    let python = flask_python();
    // A deterministic spread of doubles: every binade, subnormals, integers, short decimals.
    let mut floats: Vec<f64> =
        vec![0.0, -0.0, 1.0, 0.5, 1e15, 1e16, f64::from_bits(0x4341_c379_37e0_7fff), 1e-4, 9.99e-5];
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for _ in 0..3000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let x = f64::from_bits(state);
        if x.is_finite() {
            floats.push(x);
        }
        floats.push((state % 1_000_000) as f64 / 1000.0);
        floats.push(((state >> 20) % 100_000) as f64 * 10f64.powi((state % 40) as i32 - 20));
    }
    let strings: Vec<String> = vec![
        s("plain"),
        s("\"\\/\n\r\t\u{8}\u{c}"),
        (0u32..0x250).filter_map(char::from_u32).collect(),
        s("\u{2028}\u{2029}\u{feff}\u{fffd}😀𝄞\u{10ffff}"),
        s("<script>&amp;'</script>"),
    ];
    let request = json!({
        "floats": floats.iter().map(|f| format!("{:016x}", f.to_bits())).collect::<Vec<_>>(),
        "strings": strings,
    });
    let python_text = run_python(&python, "reprs.py", &request);
    for (x, expected) in floats.iter().zip(python_text["floats"].as_array().expect("floats")) {
        assert_eq!(session_runtime::flask::to_string(x).unwrap(), expected.as_str().unwrap(), "{x:e}");
    }
    for (text, expected) in strings.iter().zip(python_text["strings"].as_array().expect("strings")) {
        assert_eq!(&session_runtime::flask::to_string(text).unwrap(), expected.as_str().unwrap());
    }
}

// ---------------------------------------------------------------------------------------------
// Random sessions: every Python type, nesting, escapes, sizes across the compression edge.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn text(&mut self) -> String {
        const PIECES: [&str; 16] = [
            "a", "Z", "0", " ", "\"", "\\", "\n", "\u{7f}", "é", "😀", "\u{2028}", "</>", " t", "__", "ab",
            "\u{0}",
        ];
        let len = self.below(12);
        let repeat = if self.below(6) == 0 { self.below(200) as usize + 1 } else { 1 };
        (0..len).map(|_| PIECES[self.below(16) as usize]).collect::<String>().repeat(repeat)
    }
    fn key(&mut self) -> String {
        match self.below(10) {
            0 => s(" t"),
            1 => s(" di"),
            2 => s(" b__"),
            _ => self.text(),
        }
    }
    fn value(&mut self, depth: u32) -> Value {
        let leaf = depth >= 3;
        match self.below(if leaf { 10 } else { 14 }) {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 0),
            2 => Value::Int(match self.below(3) {
                0 => self.below(100) as i128,
                1 => -(self.next() as i128),
                _ => (self.next() as i128) << 40,
            }),
            3 => Value::Float(match self.below(4) {
                0 => f64::from_bits(self.next()).clamp(-1e300, 1e300),
                1 => self.below(100_000) as f64 / 64.0,
                2 => [f64::NAN, f64::INFINITY, -0.0, 1e16, 1e-5][self.below(5) as usize],
                _ => (self.next() % 1_000_000) as f64 * 10f64.powi(self.below(60) as i32 - 30),
            }),
            4 | 5 => Value::Str(self.text()),
            6 => Value::Bytes((0..self.below(40)).map(|_| self.next() as u8).collect()),
            7 => Value::Markup(self.text()),
            8 => Value::Uuid(Uuid(u128::from(self.next()) << 64 | u128::from(self.next()))),
            9 => Value::DateTime(
                DateTime::from_unix(self.below(253_402_300_799 + 2_208_988_800) as i64 - 2_208_988_800)
                    .expect("in range"),
            ),
            10 => Value::List((0..self.below(5)).map(|_| self.value(depth + 1)).collect()),
            11 => Value::Tuple((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
            _ => Value::Dict((0..self.below(4)).map(|_| (self.key(), self.value(depth + 1))).collect()),
        }
    }
}

#[test]
#[cfg_attr(no_flask, ignore = "needs Flask 3.1: bash scripts/setup-python.sh")]
fn random_sessions_sign_byte_identically_to_flask() {
    let python = flask_python();
    let secret = "random sessions";
    let config = CookieConfig::builder()
        .format(session_runtime::Format::Flask)
        .same_site(None)
        .max_size(1 << 16)
        .build()
        .expect("config");
    let b =
        Arc::new(SecureCookieSessionInterface::new(Keys::new(legacy(secret))).with_clock(FixedClock(NOW)));
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut cookies = Vec::new();
    while cookies.len() < 400 {
        let session: BTreeMap<String, Value> =
            (0..rng.below(6) + 1).map(|_| (format!("k{}", rng.text()), rng.value(0))).collect();
        cookies.extend(sign(&b, &config, session));
    }
    let compressed = cookies.iter().filter(|c| c.starts_with('.')).count();
    assert!(
        compressed >= 20 && cookies.len() - compressed >= 20,
        "both payload kinds are covered: {compressed}"
    );
    let results =
        run_python(&python, "resign.py", &json!({ "secret": secret, "now": NOW, "cookies": cookies }));
    for (cookie, result) in cookies.iter().zip(results.as_array().expect("results")) {
        assert_eq!(result["accepted"], true, "{cookie}");
        assert_eq!(
            result["resigned"].as_str(),
            Some(cookie.as_str()),
            "Flask signs the same session differently"
        );
    }
}
