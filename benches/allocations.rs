//! Allocations per operation, for each row of `benches/session.rs` (same payloads, same code).
//! Counts are exact and deterministic (a counting global allocator), so this is not a timing
//! benchmark: `cargo bench --bench allocations` prints the table.

use std::hint::black_box;

use http::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use session_runtime::Tracked;

#[path = "support/mod.rs"]
mod support;

#[path = "support/counting.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

use counting::allocations;
use support::{CONFIG, Envelope, Floor};

fn rows<T, M>(label: &str, data: &T, mutate: M)
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

    // Run every operation once first: thread-local state (the compressor) is made on first use.
    for pass in 0..2 {
        let mut measured: Vec<(&str, u64)> = Vec::new();
        let (n, session) = allocations(|| Tracked::<T>::open_with(backend, &CONFIG, black_box(&request)));
        drop(session);
        measured.push(("ours/open", n));
        let (n, value) = allocations(|| floor.open::<Envelope<T>>(black_box(floor_value.as_bytes())));
        drop(value);
        measured.push(("floor/open", n));
        let (n, value) = allocations(|| support::peer_open::<Envelope<T>>(&key, black_box(&peer_header)));
        drop(value);
        measured.push(("peer/open", n));

        let mut session = Tracked::<T>::open_with(backend, &CONFIG, &request);
        let mut headers = HeaderMap::new();
        let (n, ()) = allocations(|| {
            mutate(&mut session);
            session.save(&mut headers).unwrap();
        });
        measured.push(("ours/save", n));
        let mut changed = envelope.clone();
        let (n, value) = allocations(|| {
            mutate(&mut changed.v);
            floor.save(black_box(&changed))
        });
        drop(value);
        measured.push(("floor/save", n));
        let mut changed = envelope.clone();
        let mut headers = HeaderMap::new();
        let (n, ()) = allocations(|| {
            mutate(&mut changed.v);
            support::peer_save(&key, black_box(&changed), &mut headers);
        });
        measured.push(("peer/save", n));

        let session = Tracked::<T>::open_with(backend, &CONFIG, &request);
        let mut headers = HeaderMap::with_capacity(4);
        let (n, ()) = allocations(|| {
            black_box(&*session);
            session.save(&mut headers).unwrap();
        });
        measured.push(("ours/save_unchanged", n));

        if pass == 1 {
            for (name, n) in &measured {
                println!("{label}/{name:<22} {n:>3} allocations");
            }
            let json = support::envelope_json(data).len();
            let ours = support::cookie_value(&request).len();
            let peer = peer_header.split("session=").nth(1).map_or(0, str::len);
            println!(
                "{label}: {json} bytes of JSON; cookie value: ours {ours} bytes, floor {}, peer {peer} (percent-encoded)",
                floor_value.len()
            );
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `-- --test` (CI smoke) gets the same single pass.
    rows("small", &support::small(), |s| s.cart[0] += 1);
    rows("large", &support::large(), |s| s.cart[0] += 1);
    rows("compressed", &support::compressible(), |s| s.id += 1);
}
