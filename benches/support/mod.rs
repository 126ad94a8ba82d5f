//! Fixtures shared by the benchmarks and the allocation test: the payloads, a backend, and the two
//! baselines written as plainly as possible (the floor, and the peer path of actix-session and
//! axum-extra: serde_json + the `cookie` crate's `SignedJar`).
//!
//! Every row of a benchmark group works on the same session, so the JSON bytes that the floor and
//! the peer sign are exactly our envelope (`{"v":DATA,"f":[[category,message]]}`); `check()`
//! asserts that.
#![allow(dead_code, missing_docs)]

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Request};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use session_runtime::{
    CookieConfig, Keys, SecretKey, SecureCookieSessionInterface, SessionInterface, Tracked,
};
use sha2::Sha256;

/// 32 bytes: the native format's minimum.
pub const SECRET: &[u8; 32] = b"bench-secret-0123456789abcdefghi";
/// The `cookie` crate wants 64 bytes for its signing + encryption key pair.
pub const COOKIE_KEY: &[u8; 64] = b"bench-cookie-key-0123456789abcdefghijklmnopqrstuvwxyz0123456789!";

pub const FLASH: (&str, &str) = ("message", "Welcome back, Ada!");

// ---------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------

/// The small session: id, name, CSRF token, a 10-item cart (plus one flash): ≈190 bytes of JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Small {
    pub id: u64,
    pub name: String,
    pub csrf: String,
    pub cart: Vec<u64>,
}

pub fn small() -> Small {
    Small {
        id: 48_151_623,
        name: "Ada Lovelace".into(),
        csrf: "kq3xZ8vN1rT0bYpW4mLc7dHs9eFjA2uQ6gRiKoVtXyE".into(),
        cart: (1001..=1010).collect(),
    }
}

/// One line of the large session's order history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub sku: u64,
    pub qty: u32,
    pub title: String,
    pub price_cents: u64,
}

/// The large session: the small one plus an order history and preferences: ≈2.6 KB of JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Large {
    pub id: u64,
    pub name: String,
    pub csrf: String,
    pub cart: Vec<u64>,
    pub history: Vec<Line>,
    pub prefs: std::collections::BTreeMap<String, String>,
}

pub fn large() -> Large {
    const TITLES: [&str; 6] = [
        "Analytical Engine punch cards (box of 50)",
        "Notes on the Menabrea memoir, annotated",
        "Brass gear assortment, metric",
        "Bernoulli numbers table, first edition",
        "Difference Engine No. 2 poster",
        "Jacquard loom pattern cards",
    ];
    let s = small();
    Large {
        id: s.id,
        name: s.name,
        csrf: s.csrf,
        cart: s.cart,
        history: (0..26u64)
            .map(|i| Line {
                sku: 700_000 + i * 37,
                qty: 1 + (i % 4) as u32,
                title: TITLES[(i % 6) as usize].to_owned(),
                price_cents: 1_999 + i * 125,
            })
            .collect(),
        prefs: [("theme", "dark"), ("lang", "en-GB"), ("currency", "GBP"), ("tz", "Europe/London")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    }
}

/// A compressible session of ≈4 KB of JSON (the compressed-save target).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Compressible {
    pub id: u64,
    pub seen: Vec<String>,
}

pub fn compressible() -> Compressible {
    Compressible {
        id: 7,
        seen: (0..90).map(|i| format!("/catalogue/engines/analytical/{i:04}/specs")).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Ours
// ---------------------------------------------------------------------------------------------

/// The backend as an app holds it (built once at start-up), and the default config.
pub fn backend() -> Arc<SecureCookieSessionInterface> {
    Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::try_from(&SECRET[..]).unwrap())))
}

pub static CONFIG: CookieConfig = CookieConfig::DEFAULT;

/// Flask's cookie (feature `flask`): `Format::Flask` with Flask's defaults (`SameSite` unset).
#[cfg(feature = "flask")]
pub fn flask_config() -> &'static CookieConfig {
    Box::leak(Box::new(
        CookieConfig::builder().format(session_runtime::Format::Flask).same_site(None).build().unwrap(),
    ))
}

/// The encrypted format (`#[session(encrypted)]`) with the default cookie otherwise.
pub fn sealed_config() -> &'static CookieConfig {
    Box::leak(Box::new(CookieConfig::builder().encrypted(true).build().unwrap()))
}

/// The epoch source of [`revocable_backend`], whose calls the ratios report.
static EPOCHS: std::sync::OnceLock<session_runtime::epoch::MemoryEpochs> = std::sync::OnceLock::new();

/// A backend checking revocable sessions against an in-memory epoch source whose cache outlives
/// the run (every open a cache hit), and the default config made revocable by the small
/// payload's `name` (whose epoch is bumped once, so the cookie carries one).
pub fn revocable_backend() -> (&'static dyn SessionInterface, &'static CookieConfig) {
    use session_runtime::epoch::{Epochs, MemoryEpochs, Revocable};
    let source = EPOCHS.get_or_init(MemoryEpochs::new).clone();
    source.set(&small().name, 1);
    let epochs = Epochs::new(source).cache_for(std::time::Duration::from_secs(24 * 3600));
    let backend = backend().as_ref().clone().with_epochs(epochs);
    let config = CookieConfig::DEFAULT.with_revocable(Revocable::new("name"));
    (Box::leak(Box::new(backend)), Box::leak(Box::new(config)))
}

/// How many calls the epoch source of [`revocable_backend`] answered.
pub fn revocable_store_calls() -> u64 {
    EPOCHS.get().map_or(0, |source| source.calls())
}

/// `'static` handles, as the derive uses them (no reference counting per request).
pub fn leak_backend() -> &'static dyn SessionInterface {
    Box::leak(Box::new(backend().as_ref().clone()))
}

/// A request whose `Cookie` header carries our signed cookie for `data` (and one flash), after
/// another cookie, as browsers send them.
pub fn request_with<T>(backend: &'static dyn SessionInterface, data: &T) -> Request<()>
where
    T: Serialize + DeserializeOwned + Default + Clone,
{
    request_in(backend, &CONFIG, data)
}

/// [`request_with`] for the cookie `config` describes (its name must be `session`).
pub fn request_in<T>(
    backend: &'static dyn SessionInterface,
    config: &'static CookieConfig,
    data: &T,
) -> Request<()>
where
    T: Serialize + DeserializeOwned + Default + Clone,
{
    let mut session = Tracked::<T>::open_with(backend, config, &Request::new(()));
    *session = data.clone();
    session.flash_with(FLASH.0, FLASH.1);
    let mut headers = HeaderMap::new();
    session.save(&mut headers).unwrap();
    let line = headers[SET_COOKIE].to_str().unwrap();
    let pair = line.split(';').next().unwrap();
    Request::builder().header(COOKIE, format!("theme=dark; {pair}")).body(()).unwrap()
}

/// The value of our cookie in `request`.
pub fn cookie_value(request: &Request<()>) -> &str {
    let header = request.headers()[COOKIE].to_str().unwrap();
    header.split("session=").nth(1).unwrap()
}

/// The envelope JSON our format signs for `data` with one flash.
pub fn envelope_json<T: Serialize>(data: &T) -> Vec<u8> {
    serde_json::to_vec(&Envelope::with_flash(data)).unwrap()
}

/// The issue time every envelope here carries: ten digits, as any time since 2001 has.
pub const ISSUED_AT: u64 = 1_700_000_000;

/// The same JSON shape as our envelope, as a plain serde struct (what the floor and the peer
/// serialize, so every row signs the same bytes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub v: T,
    pub f: Vec<(String, String)>,
    /// The issue time (envelope v2), so every row signs as many bytes as ours.
    pub i: u64,
}

impl<T> Envelope<T> {
    pub fn with_flash(v: T) -> Self {
        Envelope { v, f: vec![(FLASH.0.to_owned(), FLASH.1.to_owned())], i: ISSUED_AT }
    }
}

// ---------------------------------------------------------------------------------------------
// The floor: base64 + pre-keyed HMAC-SHA256 + serde_json, nothing else
// ---------------------------------------------------------------------------------------------

/// `b64(json) "." b64(HMAC-SHA256(key, b64(json)))`, the HMAC state keyed once.
#[derive(Clone)]
pub struct Floor {
    mac: Hmac<Sha256>,
}

impl Floor {
    pub fn new() -> Self {
        Floor { mac: <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET).unwrap() }
    }

    pub fn save<T: Serialize>(&self, data: &T) -> String {
        let json = serde_json::to_vec(data).unwrap();
        let mut out = URL_SAFE_NO_PAD.encode(&json);
        let mut mac = self.mac.clone();
        mac.update(out.as_bytes());
        let tag = mac.finalize().into_bytes();
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut out);
        out
    }

    /// [`save`](Floor::save) plus the HTTP work every real save does and the floor leaves out:
    /// the `Set-Cookie` line with our default attributes, its `HeaderValue`, `Vary: Cookie`.
    pub fn save_http<T: Serialize>(&self, data: &T, headers: &mut HeaderMap) {
        let value = self.save(data);
        let line = format!("session={value}; HttpOnly; Path=/; SameSite=Lax");
        headers.append(SET_COOKIE, HeaderValue::from_str(&line).unwrap());
        headers.insert(http::header::VARY, HeaderValue::from_static("Cookie"));
    }

    pub fn open<T: DeserializeOwned>(&self, value: &[u8]) -> Option<T> {
        let dot = value.iter().rposition(|&b| b == b'.')?;
        let (body, signature) = (&value[..dot], &value[dot + 1..]);
        let tag = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = self.mac.clone();
        mac.update(body);
        mac.verify_slice(&tag).ok()?;
        let json = URL_SAFE_NO_PAD.decode(body).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// The floor doing the zlib work our format does for payloads of 512 bytes or more: the same
/// zlib level (1) with the same reused (de)compressor state, otherwise as plain as [`Floor`].
/// Only used for the rows of payloads that our format compresses.
pub struct FloorZlib {
    floor: Floor,
    deflate: std::cell::RefCell<flate2::Compress>,
    inflate: std::cell::RefCell<flate2::Decompress>,
}

impl FloorZlib {
    pub fn new() -> Self {
        FloorZlib {
            floor: Floor::new(),
            deflate: std::cell::RefCell::new(flate2::Compress::new(flate2::Compression::new(1), true)),
            inflate: std::cell::RefCell::new(flate2::Decompress::new(true)),
        }
    }

    pub fn save<T: Serialize>(&self, data: &T) -> String {
        let json = serde_json::to_vec(data).unwrap();
        let mut deflate = self.deflate.borrow_mut();
        deflate.reset();
        let mut packed = Vec::with_capacity(json.len());
        deflate.compress_vec(&json, &mut packed, flate2::FlushCompress::Finish).unwrap();
        let mut out = String::from(".");
        URL_SAFE_NO_PAD.encode_string(&packed, &mut out);
        let mut mac = self.floor.mac.clone();
        mac.update(out.as_bytes());
        let tag = mac.finalize().into_bytes();
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(tag, &mut out);
        out
    }

    pub fn open<T: DeserializeOwned>(&self, value: &[u8]) -> Option<T> {
        let dot = value.iter().rposition(|&b| b == b'.')?;
        let (body, signature) = (&value[..dot], &value[dot + 1..]);
        let tag = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = self.floor.mac.clone();
        mac.update(body);
        mac.verify_slice(&tag).ok()?;
        let packed = URL_SAFE_NO_PAD.decode(body.strip_prefix(b".")?).ok()?;
        let mut inflate = self.inflate.borrow_mut();
        inflate.reset(true);
        let mut json = Vec::with_capacity(packed.len() * 16);
        loop {
            let consumed = inflate.total_in() as usize;
            match inflate
                .decompress_vec(&packed[consumed..], &mut json, flate2::FlushDecompress::None)
                .ok()?
            {
                flate2::Status::StreamEnd => break,
                _ => json.reserve(json.capacity()),
            }
        }
        serde_json::from_slice(&json).ok()
    }
}

impl Default for FloorZlib {
    fn default() -> Self {
        Self::new()
    }
}

impl Default for Floor {
    fn default() -> Self {
        Self::new()
    }
}

// ---------------------------------------------------------------------------------------------
// The peer path: serde_json + cookie::SignedJar (actix-session, axum-extra)
// ---------------------------------------------------------------------------------------------

pub fn cookie_key() -> cookie::Key {
    cookie::Key::from(COOKIE_KEY)
}

/// `Set-Cookie` for `data` through a `SignedJar`, appended to `headers` as axum-extra's
/// `SignedCookieJar` and actix-web do: percent-encoded (`Cookie::encoded`), since raw JSON has
/// `"`, `,` and spaces, which are not cookie octets.
pub fn peer_save<T: Serialize>(key: &cookie::Key, data: &T, headers: &mut HeaderMap) {
    let json = serde_json::to_string(data).unwrap();
    let mut jar = cookie::CookieJar::new();
    jar.signed_mut(key).add(
        cookie::Cookie::build(("session", json)).path("/").http_only(true).same_site(cookie::SameSite::Lax),
    );
    for cookie in jar.delta() {
        headers.append(SET_COOKIE, HeaderValue::try_from(cookie.encoded().to_string()).unwrap());
    }
}

/// The typed value of the `session` cookie of a `Cookie` header, through a `SignedJar`, parsing
/// the header as axum-extra's `SignedCookieJar::from_headers` does (every cookie, percent-decoded).
pub fn peer_open<T: DeserializeOwned>(key: &cookie::Key, header: &str) -> Option<T> {
    let mut jar = cookie::CookieJar::new();
    for cookie in header.split(';').filter_map(|pair| cookie::Cookie::parse_encoded(pair.to_owned()).ok()) {
        jar.add_original(cookie);
    }
    let cookie = jar.signed(key).get("session")?;
    serde_json::from_str(cookie.value()).ok()
}

/// A `Cookie` header carrying the peer's signed cookie for `data`.
pub fn peer_header<T: Serialize>(key: &cookie::Key, data: &T) -> String {
    let mut headers = HeaderMap::new();
    peer_save(key, data, &mut headers);
    let line = headers[SET_COOKIE].to_str().unwrap();
    format!("theme=dark; {}", line.split("; Path").next().unwrap())
}

/// Whether our format compresses this session (its JSON is 512 bytes or more).
pub fn compresses<T: Serialize>(data: &T) -> bool {
    envelope_json(data).len() >= 512
}

/// Checks that every row works on the same bytes and round-trips; panics otherwise.
pub fn check<T>(backend: &'static dyn SessionInterface, data: &T)
where
    T: Serialize + DeserializeOwned + Default + Clone + PartialEq + std::fmt::Debug,
{
    let request = request_with(backend, data);
    let opened = Tracked::<T>::open_with(backend, &CONFIG, &request);
    assert_eq!(opened.rejection(), None);
    assert_eq!(&*opened, data);
    let floor = Floor::new();
    let envelope = Envelope::with_flash(data.clone());
    assert_eq!(serde_json::to_vec(&envelope).unwrap(), envelope_json(data));
    let opened: Envelope<T> = floor.open(floor.save(&envelope).as_bytes()).unwrap();
    assert_eq!(opened, envelope);
    if compresses(data) {
        let floor = FloorZlib::new();
        let opened: Envelope<T> = floor.open(floor.save(&envelope).as_bytes()).unwrap();
        assert_eq!(opened, envelope);
    }
    let key = cookie_key();
    let opened: Envelope<T> = peer_open(&key, &peer_header(&key, &envelope)).unwrap();
    assert_eq!(opened, envelope);
}
