//! The target ratios, measured robustly on a shared machine: every row of `benches/session.rs`
//! runs in short slices, interleaved round after round, timed in thread CPU time; a ratio is the
//! median over rounds of the ratio within a round, so a burst of load hits both sides of it.
//! With `--flask PYTHON`, every round also runs a slice of Flask 3.1 (`benches/flask_bench.py
//! --worker`, a long-lived process driven over a pipe) on the same payloads, so the Flask ratio is
//! taken within each round too.
//!
//! ```text
//! cargo bench --bench ratios                            # 31 rounds
//! cargo bench --bench ratios -- --flask .venv/bin/python   # and Flask, timed in the same rounds
//! cargo bench --bench ratios -- --test                  # smoke: 2 rounds
//! cargo bench --bench ratios -- --only small             # one payload
//! cargo bench --bench ratios --features flask -- --format flask --flask .venv/bin/python
//!                                       # the Flask wire format, against Flask itself
//! cargo bench --bench ratios -- --only small --profile ours/save --slices 5   # one row, for a profiler
//! cargo bench --bench ratios -- --batch 0               # inputs of a whole slice made up front (cold)
//! ```
//!
//! The small payload also has the encrypted format's rows (`sealed/open`, `sealed/save`,
//! `#[session(encrypted)]`) in the same rounds as the signed ones, their ratios to the signed rows
//! (issue 15's targets: ≤ 1.3×) and the cookie sizes of both formats, and `revocable/open`: the
//! signed open of a `#[session(revocable)]` type whose epoch is cached (issue 26: ≤ 1.05×).

use std::hint::black_box;
use std::time::Duration;

use http::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use session_runtime::Tracked;

#[path = "support/mod.rs"]
mod support;

#[path = "support/cpu_time.rs"]
mod cpu_time;

#[path = "support/flask_worker.rs"]
mod flask_worker;

use cpu_time::CpuTime;
use criterion::measurement::Measurement;
use flask_worker::{FlaskSlice, FlaskWorker};
use support::{CONFIG, Envelope, Floor, FloorZlib};

/// Runs an operation `n` times on inputs prepared outside the timing, returns the time.
type Run<'a> = Box<dyn FnMut(&Timer, usize) -> Duration + 'a>;

/// One row: its name and how to run it.
type Row<'a> = (&'static str, Run<'a>);

/// Inputs made and timed together: few enough that they are still in cache when the operation
/// reaches them, as a request's session is when its handler saves it.
const BATCH: usize = 16;

/// The clock, how many inputs are made before it starts, and what reading it costs.
struct Timer {
    clock: CpuTime,
    batch: usize,
    /// One `start` + `end` of the clock with nothing between, subtracted from every batch.
    overhead: Duration,
}

impl Timer {
    /// `batch` inputs per clock reading (0: a whole slice's inputs, made before the clock starts).
    fn new(clock: CpuTime, batch: usize) -> Self {
        let mut pairs: Vec<Duration> = (0..1001).map(|_| clock.end(clock.start())).collect();
        pairs.sort();
        let overhead = pairs[pairs.len() / 2];
        Timer { clock, batch: if batch == 0 { usize::MAX } else { batch }, overhead }
    }
}

/// Times `op` over inputs made by `setup`, `timer.batch` at a time: the inputs of a batch are made
/// right before the clock starts, its outputs dropped after it stops, into slots that are reused
/// (the timing never pays for fresh pages).
fn timed<I, O>(timer: &Timer, n: usize, setup: impl Fn() -> I, mut op: impl FnMut(I) -> O) -> Duration {
    let batch = timer.batch.min(n);
    let mut inputs: Vec<I> = Vec::with_capacity(batch);
    let mut outputs: Vec<Option<O>> = (0..batch).map(|_| None).collect();
    let mut total = Duration::ZERO;
    let mut left = n;
    while left > 0 {
        let m = left.min(batch);
        left -= m;
        inputs.extend((0..m).map(|_| setup()));
        let start = timer.clock.start();
        for (input, slot) in inputs.drain(..).zip(outputs.iter_mut()) {
            *slot = Some(op(black_box(input)));
        }
        total += timer.clock.end(start).saturating_sub(timer.overhead);
        outputs.iter_mut().for_each(|slot| drop(black_box(slot.take())));
    }
    total
}

/// The `save` row of a typed session: sessions made by `open` outside the timing, each changed
/// by `mutate` and saved into a `HeaderMap`.
/// The output of a future that is ready at its first poll (a cookie's `open_async`).
fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop())) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("a cookie's open waited"),
    }
}

fn save_row<'a, T, M>(open: impl Fn() -> Tracked<T> + Copy + 'a, mutate: M) -> Run<'a>
where
    T: Serialize + DeserializeOwned + Default + 'a,
    M: Fn(&mut T) + Copy + 'a,
{
    Box::new(move |t, n| {
        timed(
            t,
            n,
            || (open(), HeaderMap::with_capacity(8)),
            |(mut session, mut headers)| {
                mutate(&mut session);
                session.save(&mut headers).unwrap();
                headers
            },
        )
    })
}

/// A save row of the floor or the peer: clones of the session, each with what `room` makes (a
/// header map, or nothing), made outside the timing; each clone is changed by `mutate`, saved by
/// `save` and freed, and what `save` wrote is dropped after the clock stops.
fn clone_save_row<'a, T, M, H, O>(
    envelope: &'a Envelope<T>,
    mutate: M,
    room: impl Fn() -> H + 'a,
    save: impl Fn(&Envelope<T>, &mut H) -> O + 'a,
) -> Run<'a>
where
    T: Clone + 'a,
    M: Fn(&mut T) + Copy + 'a,
{
    Box::new(move |t, n| {
        timed(
            t,
            n,
            || (envelope.clone(), room()),
            |(mut envelope, mut out)| {
                mutate(&mut envelope.v);
                (save(&envelope, &mut out), out)
            },
        )
    })
}

/// The rows of one payload; with `sealed`, also the encrypted format's open and save.
fn rows<'a, T, M>(data: &'a T, mutate: M, sealed: bool) -> Vec<Row<'a>>
where
    T: Serialize + DeserializeOwned + Default + Clone + PartialEq + std::fmt::Debug + 'a,
    M: Fn(&mut T) + Copy + 'a,
{
    let backend = support::leak_backend();
    support::check(backend, data);
    let request: &'a _ = Box::leak(Box::new(support::request_with(backend, data)));
    let floor: &'a Floor = Box::leak(Box::new(Floor::new()));
    let envelope: &'a Envelope<T> = Box::leak(Box::new(Envelope::with_flash(data.clone())));
    let floor_value: &'a str = Box::leak(floor.save(envelope).into_boxed_str());
    let key: &'a cookie::Key = Box::leak(Box::new(support::cookie_key()));
    let peer_header: &'a str = Box::leak(support::peer_header(key, envelope).into_boxed_str());
    let open = move || Tracked::<T>::open_with(backend, &CONFIG, request);
    let mut rows: Vec<Row<'a>> = vec![
        ("ours/open", Box::new(move |t, n| timed(t, n, || (), |()| open()))),
        (
            "floor/open",
            Box::new(move |t, n| {
                timed(t, n, || (), |()| floor.open::<Envelope<T>>(floor_value.as_bytes()).unwrap())
            }),
        ),
        (
            "peer/open",
            Box::new(move |t, n| {
                timed(t, n, || (), |()| support::peer_open::<Envelope<T>>(key, peer_header).unwrap())
            }),
        ),
        ("ours/save", save_row(open, mutate)),
        ("floor/save", clone_save_row(envelope, mutate, || (), |envelope, ()| floor.save(envelope))),
        (
            "floor/save_http",
            clone_save_row(
                envelope,
                mutate,
                || HeaderMap::with_capacity(8),
                |envelope, headers| floor.save_http(envelope, headers),
            ),
        ),
        (
            "peer/save",
            clone_save_row(
                envelope,
                mutate,
                || HeaderMap::with_capacity(8),
                |envelope, headers| support::peer_save(key, envelope, headers),
            ),
        ),
        (
            "ours/save_unchanged",
            Box::new(move |t, n| {
                timed(
                    t,
                    n,
                    || (open(), HeaderMap::with_capacity(8)),
                    |(session, mut headers)| {
                        black_box(&*session);
                        session.save(&mut headers).unwrap();
                        headers
                    },
                )
            }),
        ),
    ];
    if sealed {
        let config = support::sealed_config();
        let request: &'a _ = Box::leak(Box::new(support::request_in(backend, config, data)));
        let open = move || Tracked::<T>::open_with(backend, config, request);
        assert_eq!(open().rejection(), None);
        rows.push(("sealed/open", Box::new(move |t, n| timed(t, n, || (), |()| open()))));
        rows.push(("sealed/save", save_row(open, mutate)));
        // `#[session(revocable = "name")]` on a backend with an epoch source, every open a cache
        // hit (issue 26: ≤ 1.05× ours/open, no store call).
        let (backend, config) = support::revocable_backend();
        let request: &'a _ = Box::leak(Box::new(support::request_in(backend, config, data)));
        let open = move || Tracked::<T>::open_with(backend, config, request);
        assert_eq!(open().rejection(), None);
        rows.push(("revocable/open", Box::new(move |t, n| timed(t, n, || (), |()| open()))));
        // The same two through `open_async`, the layers' path (a cookie's open never waits, so
        // one poll finishes it).
        let signed = support::leak_backend();
        let signed_request: &'a _ = Box::leak(Box::new(support::request_with(signed, data)));
        let open = move || ready(Tracked::<T>::open_async(signed, &CONFIG, signed_request));
        rows.push(("ours/open_async", Box::new(move |t, n| timed(t, n, || (), |()| open()))));
        let open = move || ready(Tracked::<T>::open_async(backend, config, request));
        assert_eq!(open().rejection(), None);
        rows.push(("revocable/open_async", Box::new(move |t, n| timed(t, n, || (), |()| open()))));
    }
    if support::compresses(data) {
        let floor: &'a FloorZlib = Box::leak(Box::new(FloorZlib::new()));
        let value: &'a str = Box::leak(floor.save(envelope).into_boxed_str());
        rows.push((
            "floor_zlib/open",
            Box::new(move |t, n| {
                timed(t, n, || (), |()| floor.open::<Envelope<T>>(value.as_bytes()).unwrap())
            }),
        ));
        rows.push((
            "floor_zlib/save",
            clone_save_row(envelope, mutate, || (), |envelope, ()| floor.save(envelope)),
        ));
    }
    rows
}

/// The Flask wire format (feature `flask`): our `Format::Flask` cookie opened and saved through the
/// same typed handle, the rows Flask's own `SecureCookieSessionInterface` is compared with. Also
/// returns the request's `Cookie` header, which Flask opens in the same run (the very same bytes).
#[cfg(feature = "flask")]
fn flask_rows<'a, T, M>(data: &'a T, mutate: M) -> (Vec<Row<'a>>, String)
where
    T: Serialize + DeserializeOwned + Default + Clone + PartialEq + std::fmt::Debug + 'a,
    M: Fn(&mut T) + Copy + 'a,
{
    let backend = support::leak_backend();
    let config = support::flask_config();
    let request: &'a _ = Box::leak(Box::new(support::request_in(backend, config, data)));
    let open = move || Tracked::<T>::open_with(backend, config, request);
    assert_eq!(*open(), *data, "the Flask-format cookie reads back");
    let header = request.headers()[http::header::COOKIE].to_str().unwrap().to_owned();
    let rows: Vec<Row<'a>> = vec![
        ("ours_flask/open", Box::new(move |t, n| timed(t, n, || (), |()| open()))),
        ("ours_flask/save", save_row(open, mutate)),
    ];
    (rows, header)
}

/// `--format flask`: the Flask-format rows, and how many times faster than Flask they are.
#[cfg(feature = "flask")]
fn flask_format(args: &[String], timer: &Timer, rounds: usize, mut flask: Option<FlaskWorker>) {
    let only = option(args, "--only");
    let (small, large) = (support::small(), support::large());
    let mut table = Vec::new();
    println!("| payload | operation | median | best round |");
    println!("|---|---|---:|---:|");
    for (label, (mut rows, header)) in
        [("small", flask_rows(&small, |s| s.cart[0] += 1)), ("large", flask_rows(&large, |s| s.cart[0] += 1))]
    {
        if only.is_some_and(|only| only != label) {
            continue;
        }
        if profile(args, timer, &mut rows) {
            return;
        }
        let mut flask = flask.as_mut().map(|worker| FlaskRounds::new(worker, label, Some(&header)));
        let per_round = measure(timer, &mut rows, rounds, flask.as_mut());
        for ((name, _), times) in rows.iter().zip(&per_round) {
            println!("| {label} | {name} | {} | {} |", fmt(median(times.clone())), fmt(best(times)));
        }
        if let Some(flask) = flask {
            flask.print_rows(label);
            table.push((label, flask.ratios(&per_round[0], &per_round[1])));
        }
    }
    print_flask_ratios("ours_flask (open + save)", &table);
}

/// `--profile ROW [--slices N]`: runs that row alone, N slices of 1000 operations (default 1000,
/// a few seconds, for `perf record`; a few for `valgrind --tool=callgrind`). Whether it did.
fn profile(args: &[String], timer: &Timer, rows: &mut [Row<'_>]) -> bool {
    let Some(row) = option(args, "--profile") else {
        return false;
    };
    let slices = option(args, "--slices").map_or(1000, |n| n.parse().unwrap());
    let (_, run) = rows.iter_mut().find(|(name, _)| name == row).expect("--profile: no such row");
    for _ in 0..slices {
        run(timer, 1000);
    }
    true
}

/// Flask's slices of one payload, one per round, and how many operations each runs.
struct FlaskRounds<'w> {
    worker: &'w mut FlaskWorker,
    label: &'static str,
    n: usize,
    slices: Vec<FlaskSlice>,
}

impl<'w> FlaskRounds<'w> {
    /// Sets `label` up in the worker (opening `header`, or Flask's own cookie for the same data)
    /// and sizes its slices to about 10 ms of Flask work.
    fn new(worker: &'w mut FlaskWorker, label: &'static str, header: Option<&str>) -> Self {
        worker.setup(label, header);
        let n = worker.calibrate(label, 10e6);
        FlaskRounds { worker, label, n, slices: Vec::new() }
    }

    fn round(&mut self) {
        let slice = self.worker.run(self.label, self.n);
        self.slices.push(slice);
    }

    fn print_rows(&self, label: &str) {
        for (op, times) in [
            ("open", self.slices.iter().map(|s| s.open).collect::<Vec<_>>()),
            ("save", self.slices.iter().map(|s| s.save).collect()),
        ] {
            println!(
                "| {label} | Flask (Python) {op} | {} | {} |",
                fmt(median(times.clone())),
                fmt(best(&times))
            );
        }
    }

    /// Per-round ratios Flask (open + save) / (`open` + `save`) of the same round.
    fn ratios(&self, open: &[f64], save: &[f64]) -> Vec<f64> {
        self.slices.iter().zip(open.iter().zip(save)).map(|(f, (o, s))| (f.open + f.save) / (o + s)).collect()
    }
}

/// The Flask ratios: median and range of the per-round ratios of each payload.
fn print_flask_ratios(whose: &str, table: &[(&str, Vec<f64>)]) {
    if table.is_empty() {
        return;
    }
    println!("\nFlask (open + save) / {whose}, per round: median [lowest – highest] of the rounds\n");
    println!("| payload | median | range |");
    println!("|---|---:|---|");
    for (label, ratios) in table {
        let (low, high) = ratios.iter().fold((f64::INFINITY, 0f64), |(l, h), r| (l.min(*r), h.max(*r)));
        println!("| {label} | **{:.1}×** | {low:.1}× – {high:.1}× |", median(ratios.clone()));
    }
}

/// The value after `name` on the command line (`--only small`), if given.
fn option<'a>(args: &'a [String], name: &str) -> Option<&'a String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The least disturbed round: the closest this gets to a quiet machine.
fn best(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn fmt(ns: f64) -> String {
    if ns >= 1000.0 { format!("{:.2} µs", ns / 1000.0) } else { format!("{ns:.0} ns") }
}

/// Runs `rows` interleaved for `rounds` rounds, and a slice of Flask after each round's rows when
/// `flask` is given; returns the per-round nanoseconds per operation of every row.
fn measure(
    timer: &Timer,
    rows: &mut [Row<'_>],
    rounds: usize,
    mut flask: Option<&mut FlaskRounds>,
) -> Vec<Vec<f64>> {
    // Calibrate each row to about 2 ms of work per slice.
    let sizes: Vec<usize> = rows
        .iter_mut()
        .map(|(_, run)| {
            let once = run(timer, 20).as_nanos().max(1) as f64 / 20.0;
            ((2e6 / once) as usize).clamp(5, 20_000)
        })
        .collect();
    let mut per_round = vec![Vec::with_capacity(rounds); rows.len()];
    for _ in 0..rounds {
        for ((_, run), (n, out)) in rows.iter_mut().zip(sizes.iter().zip(per_round.iter_mut())) {
            out.push(run(timer, *n).as_nanos() as f64 / *n as f64);
        }
        if let Some(flask) = flask.as_mut() {
            flask.round();
        }
    }
    per_round
}

/// `--flask PYTHON`: the interpreter with Flask 3.1 that runs `benches/flask_bench.py --worker`.
fn flask_worker(args: &[String]) -> Option<FlaskWorker> {
    let python = option(args, "--flask")?;
    Some(FlaskWorker::start(std::path::Path::new(python)))
}

/// The cookie value lengths of `data` (with its flash) in the signed and the encrypted format.
fn cookie_sizes<T>(data: &T) -> (usize, usize)
where
    T: Serialize + DeserializeOwned + Default + Clone,
{
    let backend = support::leak_backend();
    let signed = support::request_with(backend, data);
    let sealed = support::request_in(backend, support::sealed_config(), data);
    (support::cookie_value(&signed).len(), support::cookie_value(&sealed).len())
}

/// One payload's ratios, for the tables after the per-row medians.
struct Summary {
    label: &'static str,
    /// ours/floor open, ours/floor save, ours/peer open, ours/peer save.
    against: [f64; 4],
    /// ours/floor_zlib open and save, where our format compresses.
    zlib: Option<(f64, f64)>,
    /// ours/save against floor/save_http.
    http: f64,
    save: f64,
    /// sealed/signed open and save, where the payload has the encrypted rows.
    sealed: Option<(f64, f64)>,
    /// revocable (cache hit)/signed open, `open_with` and `open_async`, where the payload has
    /// those rows.
    revocable: Option<(f64, f64)>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let smoke = args.iter().any(|a| a == "--test");
    let mut flask = flask_worker(&args);
    let only = option(&args, "--only").cloned();
    let rounds = if smoke { 2 } else { 31 };
    let batch = option(&args, "--batch")
        .map_or(BATCH, |n| n.parse().expect("--batch takes a number (0: a whole slice)"));
    let clock = CpuTime::from_env();
    let name = clock.name();
    let timer = Timer::new(clock, batch);
    println!(
        "{rounds} rounds, {name}, inputs made {} at a time, {} per clock reading subtracted; \
         medians per operation, ratios = median of per-round ratios{}\n",
        if batch == 0 { "a whole slice".to_owned() } else { batch.to_string() },
        fmt(timer.overhead.as_nanos() as f64),
        if flask.is_some() { "; Flask timed in every round" } else { "" },
    );

    if args.iter().any(|a| a == "--format") {
        #[cfg(feature = "flask")]
        flask_format(&args, &timer, rounds, flask);
        #[cfg(not(feature = "flask"))]
        eprintln!("--format flask needs the flask feature: cargo bench --bench ratios --features flask");
        return;
    }

    let (small, large, compressible) = (support::small(), support::large(), support::compressible());
    let mut summary = Vec::new();
    let (mut flask_table, mut floor_table) = (Vec::new(), Vec::new());
    // "best": the least disturbed round, the closest this gets to a quiet machine.
    println!("| payload | operation | median | best round |");
    println!("|---|---|---:|---:|");
    for (label, mut rows) in [
        ("small", rows(&small, |s| s.cart[0] += 1, true)),
        ("large", rows(&large, |s| s.cart[0] += 1, false)),
        ("compressed", rows(&compressible, |s| s.id += 1, false)),
    ] {
        if only.as_ref().is_some_and(|only| only != label) {
            continue;
        }
        if profile(&args, &timer, &mut rows) {
            return;
        }
        // Flask has the small and large payloads (benches/flask_bench.py), not the 4 KB one.
        let mut flask = flask
            .as_mut()
            .filter(|_| label != "compressed")
            .map(|worker| FlaskRounds::new(worker, label, None));
        let per_round = measure(&timer, &mut rows, rounds, flask.as_mut());
        let at = |name: &str| rows.iter().position(|(n, _)| *n == name).unwrap();
        for ((name, _), times) in rows.iter().zip(&per_round) {
            println!("| {label} | {name} | {} | {} |", fmt(median(times.clone())), fmt(best(times)));
        }
        let ratio = |a: &str, b: &str| {
            let (a, b) = (&per_round[at(a)], &per_round[at(b)]);
            median(a.iter().zip(b).map(|(a, b)| a / b).collect())
        };
        if let Some(flask) = flask {
            flask.print_rows(label);
            flask_table.push((label, flask.ratios(&per_round[at("ours/open")], &per_round[at("ours/save")])));
            floor_table
                .push((label, flask.ratios(&per_round[at("floor/open")], &per_round[at("floor/save_http")])));
        }
        summary.push(Summary {
            label,
            against: [
                ratio("ours/open", "floor/open"),
                ratio("ours/save", "floor/save"),
                ratio("ours/open", "peer/open"),
                ratio("ours/save", "peer/save"),
            ],
            zlib: rows
                .iter()
                .any(|(n, _)| *n == "floor_zlib/open")
                .then(|| (ratio("ours/open", "floor_zlib/open"), ratio("ours/save", "floor_zlib/save"))),
            http: ratio("ours/save", "floor/save_http"),
            save: median(per_round[at("ours/save")].clone()),
            sealed: rows
                .iter()
                .any(|(n, _)| *n == "sealed/open")
                .then(|| (ratio("sealed/open", "ours/open"), ratio("sealed/save", "ours/save"))),
            revocable: rows.iter().any(|(n, _)| *n == "revocable/open").then(|| {
                (ratio("revocable/open", "ours/open"), ratio("revocable/open_async", "ours/open_async"))
            }),
        });
    }
    println!();
    println!("| payload | ours/floor open | ours/floor save | ours/peer open | ours/peer save |");
    println!("|---|---:|---:|---:|---:|");
    for Summary { label, against: [fo, fs, po, ps], .. } in &summary {
        println!("| {label} | {fo:.2}× | {fs:.2}× | {po:.2}× | {ps:.2}× |");
    }
    println!();
    println!("Same work as the floor with zlib (level 1, reused state) where our format compresses:\n");
    println!("| payload | ours/floor_zlib open | ours/floor_zlib save |");
    println!("|---|---:|---:|");
    for Summary { label, zlib, .. } in &summary {
        if let Some((open, save)) = zlib {
            println!("| {label} | {open:.2}× | {save:.2}× |");
        }
    }
    println!(
        "\nours/save against the floor plus its HTTP work (`Set-Cookie` line, `HeaderValue`, `Vary`):\n"
    );
    for Summary { label, http, .. } in &summary {
        println!("- {label}: {http:.2}×");
    }
    println!("\nThe encrypted format against the signed one (same rounds; target ≤ 1.3× each):\n");
    println!("| payload | sealed/signed open | sealed/signed save | signed value | sealed value |");
    println!("|---|---:|---:|---:|---:|");
    for Summary { label, sealed, .. } in &summary {
        if let Some((open, save)) = sealed {
            let (signed, sealed) = cookie_sizes(&small);
            println!("| {label} | {open:.2}× | {save:.2}× | {signed} B | {sealed} B |");
        }
    }
    println!("\nA revocable session's open with a cache hit against the signed open (target ≤ 1.05×):\n");
    for Summary { label, revocable, .. } in &summary {
        if let Some((sync, async_)) = revocable {
            let calls = support::revocable_store_calls();
            println!(
                "- {label}: {sync:.2}× (`open_async`, the layers' path: {async_:.2}×; epoch source \
                 calls in the whole run: {calls})"
            );
        }
    }
    if let Some(Summary { save, .. }) = summary.iter().find(|s| s.label == "compressed") {
        println!("\nCompressed save of the ≈4 KB session: {} (target ≤ 15 µs).", fmt(*save));
    }
    print_flask_ratios("ours (open + save)", &flask_table);
    print_flask_ratios("floor (open + save_http): the plain code anyone would write first", &floor_table);
}
