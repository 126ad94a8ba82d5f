//! The encrypted format's cipher against the alternative issue 27 asks about: AES-256-GCM-SIV
//! (what `format/sealed.rs` uses) and XChaCha20-Poly1305, both RustCrypto, sealing and opening
//! session-sized messages in place with the cookie name as associated data, as the format does.
//! Interleaved: every round runs a slice of each row, in thread CPU time, and a ratio is the
//! median over rounds of the ratio within a round (a burst of load hits both sides of it).
//!
//! ```text
//! cargo bench --bench aead               # 31 rounds
//! cargo bench --bench aead -- --test     # smoke: 2 short rounds (CI)
//! ```
//!
//! The numbers and the choice they led to are in docs/performance.md ("Which AEAD").

#[path = "support/cpu_time.rs"]
mod cpu_time;

use std::hint::black_box;
use std::time::Duration;

use aes_gcm_siv::Aes256GcmSiv;
use aes_gcm_siv::aead::{AeadInOut, KeyInit};
use chacha20poly1305::XChaCha20Poly1305;
use cpu_time::CpuTime;
use criterion::measurement::Measurement;

const AAD: &[u8] = b"session";

/// One cipher: seal `message` in place (returning the tag) and open it again.
trait Cipher {
    fn name(&self) -> &'static str;
    fn seal(&self, message: &mut [u8]) -> Vec<u8>;
    fn open(&self, message: &mut [u8], tag: &[u8]) -> bool;
}

struct Siv(Aes256GcmSiv);
struct XChaCha(XChaCha20Poly1305);

impl Cipher for Siv {
    fn name(&self) -> &'static str {
        "aes-256-gcm-siv"
    }
    fn seal(&self, message: &mut [u8]) -> Vec<u8> {
        let nonce = [7u8; 12].into();
        self.0.encrypt_inout_detached(&nonce, AAD, message.into()).map(|tag| tag.to_vec()).unwrap_or_default()
    }
    fn open(&self, message: &mut [u8], tag: &[u8]) -> bool {
        let (nonce, tag) = ([7u8; 12].into(), tag.try_into().unwrap_or_default());
        self.0.decrypt_inout_detached(&nonce, AAD, message.into(), &tag).is_ok()
    }
}

impl Cipher for XChaCha {
    fn name(&self) -> &'static str {
        "xchacha20-poly1305"
    }
    fn seal(&self, message: &mut [u8]) -> Vec<u8> {
        let nonce = [7u8; 24].into();
        self.0.encrypt_inout_detached(&nonce, AAD, message.into()).map(|tag| tag.to_vec()).unwrap_or_default()
    }
    fn open(&self, message: &mut [u8], tag: &[u8]) -> bool {
        let (nonce, tag) = ([7u8; 24].into(), tag.try_into().unwrap_or_default());
        self.0.decrypt_inout_detached(&nonce, AAD, message.into(), &tag).is_ok()
    }
}

/// CPU time of `n` seals, then of `n` opens, of a `size`-byte message.
fn slice(clock: &CpuTime, cipher: &dyn Cipher, size: usize, n: usize) -> (Duration, Duration) {
    let mut message = vec![b'x'; size];
    let started = clock.start();
    let mut tag = Vec::new();
    for _ in 0..n {
        message.fill(b'x');
        tag = cipher.seal(black_box(&mut message));
    }
    let sealed = clock.end(started);
    let ciphertext = message.clone();
    let started = clock.start();
    for _ in 0..n {
        message.copy_from_slice(&ciphertext);
        assert!(cipher.open(black_box(&mut message), &tag), "{} opens its own message", cipher.name());
    }
    (sealed, clock.end(started))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let test = std::env::args().any(|arg| arg == "--test");
    let (rounds, n) = if test { (2, 200) } else { (31, 20_000) };
    let clock = CpuTime::from_env();
    let siv = Siv(Aes256GcmSiv::new_from_slice(&[1u8; 32]).expect("a 32-byte key"));
    let xchacha = XChaCha(XChaCha20Poly1305::new_from_slice(&[1u8; 32]).expect("a 32-byte key"));
    println!("{rounds} rounds of {n} seals and {n} opens per row, {}", clock.name());
    println!(
        "{:>6}  {:>22}  {:>22}  {:>16}",
        "bytes", "aes-256-gcm-siv seal/open", "xchacha20 seal/open", "xchacha/siv"
    );
    for size in [64, 190, 1024, 3000] {
        let (mut siv_times, mut x_times, mut seal_ratio, mut open_ratio) = (vec![], vec![], vec![], vec![]);
        for round in 0..rounds {
            // Alternate which runs first, so neither always follows the other.
            let (a, b) = if round % 2 == 0 {
                let a = slice(&clock, &siv, size, n);
                (a, slice(&clock, &xchacha, size, n))
            } else {
                let b = slice(&clock, &xchacha, size, n);
                (slice(&clock, &siv, size, n), b)
            };
            seal_ratio.push(b.0.as_secs_f64() / a.0.as_secs_f64());
            open_ratio.push(b.1.as_secs_f64() / a.1.as_secs_f64());
            siv_times.push(a);
            x_times.push(b);
        }
        let per = |times: &[(Duration, Duration)], pick: fn(&(Duration, Duration)) -> Duration| {
            median(times.iter().map(|t| pick(t).as_secs_f64() * 1e9 / n as f64).collect())
        };
        println!(
            "{size:>6}  {:>10.0} / {:>7.0} ns  {:>10.0} / {:>7.0} ns  {:>6.2}× / {:.2}×",
            per(&siv_times, |t| t.0),
            per(&siv_times, |t| t.1),
            per(&x_times, |t| t.0),
            per(&x_times, |t| t.1),
            median(seal_ratio),
            median(open_ratio)
        );
    }
}
