//! Per-request cost of a session, against the floor and the peer path, measured in the same run on
//! the same payloads. See docs/performance.md for how to run it and the numbers.
//!
//! Groups: `small` (≈190 B of JSON) and `large` (≈2.6 KB), each with
//! - `ours/open`: `Cookie` header → typed value, through `Tracked::open_with`;
//! - `ours/save`: a changed session → `Set-Cookie` (+ `Vary`) in a `HeaderMap`;
//! - `ours/save_unchanged`: a read-only, non-permanent session (only `Vary: Cookie`);
//! - `floor/open`, `floor/save`: base64 + pre-keyed HMAC-SHA256 + serde_json, written plainly;
//! - `peer/open`, `peer/save`: serde_json + `cookie::SignedJar` (actix-session, axum-extra);
//!
//! - `floor_zlib/open`, `floor_zlib/save`: where our format compresses (JSON ≥ 512 bytes), the
//!   floor plus the same zlib work (level 1, reused state), to compare like with like;
//!
//! - `ours_flask/open`, `ours_flask/save` (feature `flask`: `cargo bench --bench session
//!   --features flask`): the same session in Flask's wire format;
//!
//! and the same rows for `compressed`, a ≈4 KB compressible session.
//!
//! Times are the benchmark thread's CPU time (see `support/cpu_time.rs`; `BENCH_CLOCK=wall` for
//! wall time). Smoke mode (CI): `cargo bench --workspace -- --test` runs each routine once.
//! Save rows make their inputs 16 at a time ([`WARM`]), so an input is still in cache when it is
//! saved, as a request's session is; criterion does not subtract the clock reading each batch
//! costs (about 50 ns per save here), `benches/ratios.rs` does.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use session_runtime::Tracked;

/// Inputs made and timed 16 at a time: `SmallInput` makes a whole sample's inputs first, megabytes
/// of sessions, so every save found its session out of cache (docs/performance.md, step 9).
const WARM: BatchSize = BatchSize::NumIterations(16);

#[path = "support/mod.rs"]
mod support;

#[path = "support/cpu_time.rs"]
mod cpu_time;

use cpu_time::CpuTime;

use support::{CONFIG, Envelope, Floor, FloorZlib};

/// The operations every payload size is measured with.
fn group<T, M>(c: &mut Criterion<CpuTime>, label: &str, data: &T, mutate: M)
where
    T: Serialize + DeserializeOwned + Default + Clone + PartialEq + std::fmt::Debug,
    M: Fn(&mut T) + Copy,
{
    let backend = support::leak_backend();
    support::check(backend, data);
    let request = support::request_with(backend, data);
    let floor = Floor::new();
    let envelope = Envelope::with_flash(data.clone());
    let floor_value = floor.save(&envelope);
    let key = support::cookie_key();
    let peer_header = support::peer_header(&key, &envelope);

    let mut group = c.benchmark_group(label);
    group.bench_function("ours/open", |b| {
        b.iter(|| Tracked::<T>::open_with(backend, &CONFIG, black_box(&request)));
    });
    group.bench_function("floor/open", |b| {
        b.iter(|| floor.open::<Envelope<T>>(black_box(floor_value.as_bytes())).unwrap());
    });
    group.bench_function("peer/open", |b| {
        b.iter(|| support::peer_open::<Envelope<T>>(&key, black_box(&peer_header)).unwrap());
    });

    group.bench_function("ours/save", |b| {
        b.iter_batched(
            || (Tracked::<T>::open_with(backend, &CONFIG, &request), HeaderMap::with_capacity(8)),
            |(mut session, mut headers)| {
                mutate(&mut session);
                session.save(&mut headers).unwrap();
                headers
            },
            WARM,
        );
    });
    // Like ours, the floor and the peer consume (and free) the session they save.
    group.bench_function("floor/save", |b| {
        b.iter_batched(
            || envelope.clone(),
            |mut envelope| {
                mutate(&mut envelope.v);
                floor.save(black_box(&envelope))
            },
            WARM,
        );
    });
    group.bench_function("peer/save", |b| {
        b.iter_batched(
            || (envelope.clone(), HeaderMap::with_capacity(8)),
            |(mut envelope, mut headers)| {
                mutate(&mut envelope.v);
                support::peer_save(&key, black_box(&envelope), &mut headers);
                headers
            },
            WARM,
        );
    });
    if support::compresses(data) {
        let floor = FloorZlib::new();
        let value = floor.save(&envelope);
        group.bench_function("floor_zlib/open", |b| {
            b.iter(|| floor.open::<Envelope<T>>(black_box(value.as_bytes())).unwrap());
        });
        group.bench_function("floor_zlib/save", |b| {
            b.iter_batched(
                || envelope.clone(),
                |mut envelope| {
                    mutate(&mut envelope.v);
                    floor.save(black_box(&envelope))
                },
                WARM,
            );
        });
    }
    group.bench_function("ours/save_unchanged", |b| {
        b.iter_batched(
            || (Tracked::<T>::open_with(backend, &CONFIG, &request), HeaderMap::with_capacity(8)),
            |(session, mut headers)| {
                black_box(&*session);
                session.save(&mut headers).unwrap();
                headers
            },
            WARM,
        );
    });
    #[cfg(feature = "flask")]
    {
        // The same session in Flask's wire format (HMAC-SHA1, tagged JSON, zlib level 6).
        let config = support::flask_config();
        let request = support::request_in(backend, config, data);
        group.bench_function("ours_flask/open", |b| {
            b.iter(|| Tracked::<T>::open_with(backend, config, black_box(&request)));
        });
        group.bench_function("ours_flask/save", |b| {
            b.iter_batched(
                || (Tracked::<T>::open_with(backend, config, &request), HeaderMap::with_capacity(8)),
                |(mut session, mut headers)| {
                    mutate(&mut session);
                    session.save(&mut headers).unwrap();
                    headers
                },
                WARM,
            );
        });
    }
    group.finish();
}

fn small(c: &mut Criterion<CpuTime>) {
    group(c, "small", &support::small(), |s| s.cart[0] += 1);
}

fn large(c: &mut Criterion<CpuTime>) {
    group(c, "large", &support::large(), |s| s.cart[0] += 1);
}

fn compressed(c: &mut Criterion<CpuTime>) {
    group(c, "compressed", &support::compressible(), |s| s.id += 1);
}

fn config() -> Criterion<CpuTime> {
    let clock = CpuTime::from_env();
    eprintln!("measuring {}", clock.name());
    Criterion::default().with_measurement(clock)
}

criterion_group! {
    name = benches;
    config = config();
    targets = small, large, compressed
}
criterion_main!(benches);
