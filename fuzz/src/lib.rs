//! What the fuzz targets share: a session type with every kind of field, a fixed key ring and
//! clock, and a cookie source that hands raw bytes to the runtime (no `HeaderValue` filtering, so
//! the runtime sees bytes a proxy might let through).
//!
//! Each target's body is a function here, so the targets stay one line and a failing input can be
//! replayed from a test or a debugger.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::{Arc, OnceLock};

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};
use session_runtime::__testing::RawSigner;
use session_runtime::backend::CookieSource;
use session_runtime::{
    CookieConfig, Error, FixedClock, Keys, Rejection, SameSite, SecretKey, SecureCookieSessionInterface,
    Tracked,
};

pub mod handle;
pub mod inspect;
pub mod sealed;

/// The fuzzers' clock: every seed is signed at this second.
pub const NOW: u64 = 1_700_000_000;
/// The salt the backend uses.
pub const SALT: &[u8] = b"cookie-session";

/// A session type with integers at every width, floats, text, options, sequences, maps, an enum
/// and a recursive tree.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Arbitrary)]
#[serde(default)]
pub struct Data {
    pub user: Option<String>,
    pub count: u32,
    pub big: u64,
    pub small: i8,
    pub signed: i64,
    pub wide: u128,
    pub iwide: i128,
    pub ratio: f64,
    pub half: f32,
    pub flag: bool,
    pub letter: char,
    pub cart: Vec<u64>,
    pub tags: BTreeMap<String, Vec<Option<i32>>>,
    pub kind: Kind,
    pub tree: Option<Tree>,
}

/// An enum in every serde shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Arbitrary)]
pub enum Kind {
    #[default]
    Unit,
    Newtype(String),
    Tuple(i16, Option<bool>),
    Struct {
        a: u8,
        b: Vec<f64>,
    },
}

/// Recursion: how deep can a session nest and still read back?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Arbitrary)]
pub enum Tree {
    Leaf(i64),
    Node(Vec<Tree>),
}

impl Data {
    /// Whether any float is NaN or infinite (`save` must refuse those).
    pub fn has_non_finite(&self) -> bool {
        let kind = match &self.kind {
            Kind::Struct { b, .. } => b.iter().any(|f| !f.is_finite()),
            _ => false,
        };
        kind || !self.ratio.is_finite() || !self.half.is_finite()
    }
}

/// The fuzzers' key ring (fixed, so committed seeds carry valid signatures).
pub fn keys() -> Keys {
    let current = SecretKey::try_from(&[0x5a; 32][..]).unwrap_or_else(|_| unreachable!());
    let fallback = SecretKey::try_from(&[0xa5; 48][..]).unwrap_or_else(|_| unreachable!());
    Keys::new(current).with_fallbacks([fallback])
}

/// The backend all targets open and save with: fixed keys, clock at [`NOW`], a small future skew.
pub fn backend() -> Arc<SecureCookieSessionInterface> {
    static BACKEND: OnceLock<Arc<SecureCookieSessionInterface>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            Arc::new(
                SecureCookieSessionInterface::new(keys())
                    .with_salt(SALT)
                    .with_clock(FixedClock(NOW))
                    .with_future_skew(5),
            )
        })
        .clone()
}

/// The backend with an in-memory epoch source (user `bob` at epoch 1, everyone else at 0), for
/// the revocable open of `open_header`.
pub fn revocable_backend() -> Arc<SecureCookieSessionInterface> {
    use session_runtime::epoch::{Epochs, MemoryEpochs};
    static BACKEND: OnceLock<Arc<SecureCookieSessionInterface>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            let source = MemoryEpochs::new();
            source.set("bob", 1);
            let epochs = Epochs::new(source).with_clock(FixedClock(NOW));
            Arc::new(backend().as_ref().clone().with_epochs(epochs))
        })
        .clone()
}

/// The default config, revocable by `Data::user`.
pub const REVOCABLE: CookieConfig =
    CookieConfig::DEFAULT.with_revocable(session_runtime::epoch::Revocable::new("user"));

/// A signer with the backend's current key and salt.
pub fn signer() -> &'static RawSigner {
    static SIGNER: OnceLock<RawSigner> = OnceLock::new();
    SIGNER.get_or_init(|| RawSigner::new(&keys(), SALT))
}

/// Raw `Cookie` header bytes, exactly as given.
pub struct RawHeaders(pub Vec<Vec<u8>>);

impl CookieSource for RawHeaders {
    fn for_each_cookie_header(&self, visit: &mut dyn FnMut(&[u8]) -> ControlFlow<()>) {
        for header in &self.0 {
            if visit(header).is_break() {
                return;
            }
        }
    }
}

/// Opens `Data` from raw headers with the default config.
pub fn open(headers: Vec<Vec<u8>>) -> Tracked<Data> {
    Tracked::open_with(backend(), CookieConfig::DEFAULT, &RawHeaders(headers))
}

/// The `name=value` of the first `Set-Cookie` in `headers`, if any.
pub fn set_cookie_pair(headers: &http::HeaderMap) -> Option<Vec<u8>> {
    let line = headers.get(http::header::SET_COOKIE)?.as_bytes();
    Some(line.split(|&b| b == b';').next().unwrap_or_default().to_vec())
}

/// Target `open_header`: raw bytes are one or more `Cookie` headers (split on `\n`). Opening must
/// never panic; a session is accepted only from a cookie our key signed; saving afterwards must
/// not fail for anything the client sent.
pub fn fuzz_open_header(bytes: &[u8]) {
    let headers: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let mut session = open(headers.clone());
    let accepted = !session.is_new();
    if accepted {
        assert_eq!(session.rejection(), None, "an accepted session has no rejection");
    }
    // The same request opened through real `http` headers agrees, when every header is valid.
    let mut map = http::HeaderMap::new();
    let all_valid = headers.iter().all(|h| match http::HeaderValue::from_bytes(h) {
        Ok(value) => {
            map.append(http::header::COOKIE, value);
            true
        }
        Err(_) => false,
    });
    if all_valid {
        let again = Tracked::<Data>::open_with(backend(), CookieConfig::DEFAULT, &map);
        assert_eq!(again.rejection(), session.rejection());
        assert_eq!(*again, *session);
    }
    // The same headers for a revocable type: the epoch check only ever refuses more, never
    // accepts what the plain open refused, and never changes what an accepted session holds.
    let revocable = Tracked::<Data>::open_with(revocable_backend(), REVOCABLE, &RawHeaders(headers.clone()));
    if !revocable.is_new() {
        assert!(accepted, "the revocable open accepted a cookie the plain open refused");
        assert_eq!(*revocable, *session);
    } else if accepted && session.user.as_deref().is_none_or(str::is_empty) {
        panic!("a session of nobody was refused by the epoch check: {:?}", revocable.rejection());
    }
    // A handler that changes the session: saving may only fail for server-side reasons.
    session.count = session.count.wrapping_add(1);
    let mut response = http::Response::new(());
    match session.save(&mut response) {
        Ok(_) | Err(Error::TooLarge { .. }) => {}
        Err(other) => panic!("save failed after opening client bytes: {other}"),
    }
}

/// How the fuzzer builds a `PAYLOAD` part that the real MAC then signs.
#[derive(Debug, Arbitrary)]
pub enum PayloadPart {
    /// Bytes as they are (any byte, dots included).
    Raw(Vec<u8>),
    /// Canonical base64url of arbitrary bytes (reaches JSON parsing).
    Encoded(Vec<u8>),
    /// Canonical base64url of a JSON text.
    Json(String),
    /// `"." b64(zlib(bytes))` (reaches inflate, then JSON).
    Compressed(Vec<u8>),
    /// `"." b64(bytes)` (reaches inflate with garbage).
    CompressedRaw(Vec<u8>),
    /// A well-formed envelope around a fuzzed `Data`, optionally compressed.
    Envelope { data: Data, permanent: bool, compressed: bool },
}

/// How the fuzzer builds a `TIMESTAMP` part.
#[derive(Debug, Arbitrary)]
pub enum TimestampPart {
    Raw(Vec<u8>),
    Encoded(Vec<u8>),
    /// The canonical form of `NOW + offset` (wrapping).
    Offset(i64),
    Seconds(u64),
}

/// Input of target `signed_parts`.
#[derive(Debug, Arbitrary)]
pub struct SignedParts {
    pub payload: PayloadPart,
    pub timestamp: TimestampPart,
    /// Sign for another cookie name (must then be refused).
    pub other_name: bool,
    /// Bytes around the value in the header.
    pub before: Vec<u8>,
    pub after: Vec<u8>,
}

/// Target `signed_parts`: a valid MAC over fuzzed inner parts, so shape, timestamp, age, base64,
/// inflate and JSON checks run on hostile bytes. Must never panic; the outcome must agree with an
/// independent reading of the parts.
pub fn fuzz_signed_parts(input: SignedParts) {
    use session_runtime::__testing::{b64, compressed_payload, timestamp};
    let payload: Vec<u8> = match &input.payload {
        PayloadPart::Raw(bytes) => bytes.clone(),
        PayloadPart::Encoded(bytes) => b64(bytes).into_bytes(),
        PayloadPart::Json(text) => b64(text.as_bytes()).into_bytes(),
        PayloadPart::Compressed(bytes) => compressed_payload(bytes).into_bytes(),
        PayloadPart::CompressedRaw(bytes) => format!(".{}", b64(bytes)).into_bytes(),
        PayloadPart::Envelope { data, permanent, compressed } => {
            let data = serde_json::to_string(data).unwrap_or_else(|_| "null".to_owned());
            let json = format!(r#"{{"v":{data},"p":{permanent}}}"#);
            if *compressed {
                compressed_payload(json.as_bytes()).into_bytes()
            } else {
                b64(json.as_bytes()).into_bytes()
            }
        }
    };
    let ts: Vec<u8> = match &input.timestamp {
        TimestampPart::Raw(bytes) => bytes.clone(),
        TimestampPart::Encoded(bytes) => b64(bytes).into_bytes(),
        TimestampPart::Offset(offset) => timestamp(NOW.wrapping_add_signed(*offset)).into_bytes(),
        TimestampPart::Seconds(seconds) => timestamp(*seconds).into_bytes(),
    };
    let name = if input.other_name { "session2" } else { "session" };
    let Ok(value) = signer().sign(name, &payload, &ts) else { unreachable!("the fuzz key is 32 bytes") };
    let mut header = input.before.clone();
    header.extend_from_slice(b"session=");
    header.extend_from_slice(&value);
    header.extend_from_slice(&input.after);
    let session = open(vec![header.clone()]);
    saved_unchanged_reads_back(header.clone());
    // Only the value itself, with nothing around it, has a known expected outcome.
    if !input.before.is_empty() || !input.after.is_empty() {
        let _ = session.rejection();
        return;
    }
    let raw_part =
        matches!(input.payload, PayloadPart::Raw(_)) || matches!(input.timestamp, TimestampPart::Raw(_));
    if input.other_name {
        assert!(session.is_new(), "a value signed for another cookie name was accepted");
        // A raw part may break the shape (dots) or the header (`;`) before the MAC is checked.
        if !raw_part && value.len() <= CookieConfig::DEFAULT.max_size() {
            assert_eq!(session.rejection(), Some(Rejection::BadSignature));
        }
        return;
    }
    let ts_ok = match &input.timestamp {
        TimestampPart::Offset(offset) => {
            let at = NOW.wrapping_add_signed(*offset);
            Some(
                at <= NOW.saturating_add(5)
                    && NOW.saturating_sub(at) <= CookieConfig::DEFAULT.lifetime_secs(),
            )
        }
        TimestampPart::Seconds(at) => Some(
            *at <= NOW.saturating_add(5) && NOW.saturating_sub(*at) <= CookieConfig::DEFAULT.lifetime_secs(),
        ),
        _ => None,
    };
    if let (PayloadPart::Envelope { data, permanent, .. }, Some(true)) = (&input.payload, ts_ok)
        && value.len() <= CookieConfig::DEFAULT.max_size()
        && !data.has_non_finite()
    {
        #[derive(Deserialize)]
        struct Mirror {
            #[allow(dead_code)]
            v: Data,
        }
        let reads_back = serde_json::to_string(data)
            .ok()
            .and_then(|json| serde_json::from_str::<Mirror>(&format!(r#"{{"v":{json}}}"#)).ok())
            .is_some();
        if reads_back {
            assert_eq!(session.rejection(), None, "a well-formed, fresh, signed envelope was refused");
            assert_eq!(*session, *data);
            assert_eq!(session.is_permanent(), *permanent);
        }
    }
    if let (Some(false), false) = (ts_ok, raw_part)
        && value.len() <= CookieConfig::DEFAULT.max_size()
    {
        assert!(
            matches!(session.rejection(), Some(Rejection::Expired | Rejection::NotYetValid)),
            "timestamp out of range gave {:?}",
            session.rejection()
        );
    }
}

/// A handler that borrows the session opened from `header` mutably and changes nothing: the
/// save's change test (`same_json`, and `extended_by_store` for entries a store or a newer
/// release added at the end) runs on the fuzzed payload, and whatever it decides, a cookie it
/// writes reads back as the same data.
fn saved_unchanged_reads_back(header: Vec<u8>) {
    use std::ops::DerefMut;
    let mut untouched = open(vec![header]);
    if untouched.is_new() {
        return;
    }
    let data = (*untouched).clone();
    untouched.deref_mut();
    let mut response = http::Response::new(());
    if untouched.save(&mut response).is_ok()
        && let Some(pair) = set_cookie_pair(response.headers())
        && !data.has_non_finite()
    {
        let reopened = open(vec![pair]);
        assert_eq!(*reopened, data, "an unchanged session written again reads back changed");
    }
}

/// Input of target `roundtrip`.
#[derive(Debug, Arbitrary)]
pub struct RoundTrip {
    pub data: Data,
    pub permanent: bool,
    pub flashes: Vec<(String, String)>,
}

/// Target `roundtrip`: arbitrary data → save → open gives the same data back, or `save` refuses
/// it (too large, or a non-finite float) and writes nothing. Never a saved session that does not
/// read back.
pub fn fuzz_roundtrip(input: RoundTrip) {
    let mut session = open(Vec::new());
    *session = input.data.clone();
    session.set_permanent(input.permanent);
    for (category, message) in &input.flashes {
        session.flash_with(category.clone(), message.clone());
    }
    let mut response = http::Response::new(());
    match session.save(&mut response) {
        Ok(_) => {
            assert!(!input.data.has_non_finite(), "a non-finite float was saved");
            let Some(pair) = set_cookie_pair(response.headers()) else {
                // Nothing to send: only for an empty session.
                assert!(input.data == Data::default() && !input.permanent && input.flashes.is_empty());
                return;
            };
            let mut reopened = open(vec![pair]);
            assert_eq!(reopened.rejection(), None, "a saved session did not read back");
            assert_eq!(*reopened, input.data);
            assert_eq!(reopened.is_permanent(), input.permanent);
            let flashes: Vec<(String, String)> =
                reopened.take_flashes().into_iter().map(|f| (f.category, f.message)).collect();
            assert_eq!(flashes, input.flashes);
        }
        Err(Error::TooLarge { .. }) => assert!(response.headers().is_empty()),
        Err(Error::Serialize(_)) => {
            assert!(response.headers().get(http::header::SET_COOKIE).is_none());
        }
        Err(other) => panic!("unexpected save error: {other}"),
    }
}

/// Input of target `config_save`: every builder setting.
#[derive(Debug, Arbitrary)]
pub struct ConfigInput {
    pub name: String,
    pub domain: Option<String>,
    pub path: Option<String>,
    pub secure: bool,
    pub http_only: bool,
    pub same_site: Option<u8>,
    pub partitioned: bool,
    pub permanent: bool,
    pub lifetime: Option<String>,
    pub lifetime_secs: Option<u64>,
    pub refresh: bool,
    pub max_size: Option<usize>,
    pub value: String,
}

/// Target `config_save`: arbitrary `Set-Cookie` attribute settings → builder → save. A config the
/// builder accepts never injects into the header (no `;`, CR, LF or other control in an
/// attribute), and its cookie reads back; saving fails only with `TooLarge`.
pub fn fuzz_config_save(input: ConfigInput) {
    let mut builder = CookieConfig::builder()
        .name(input.name.clone())
        .secure(input.secure)
        .http_only(input.http_only)
        .partitioned(input.partitioned)
        .permanent(input.permanent)
        .refresh_each_request(input.refresh)
        .same_site(input.same_site.map(|s| match s % 3 {
            0 => SameSite::Strict,
            1 => SameSite::Lax,
            _ => SameSite::None,
        }));
    if let Some(domain) = &input.domain {
        builder = builder.domain(domain.clone());
    }
    if let Some(path) = &input.path {
        builder = builder.path(path.clone());
    }
    if let Some(lifetime) = &input.lifetime {
        builder = builder.lifetime(lifetime.clone());
    }
    if let Some(seconds) = input.lifetime_secs {
        builder = builder.lifetime_secs(seconds);
    }
    if let Some(max_size) = input.max_size {
        builder = builder.max_size(max_size);
    }
    let Ok(config) = builder.build() else { return };
    let injectable = |s: &str| s.bytes().any(|b| b == b';' || b == b',' || b.is_ascii_control() || b > 0x7e);
    assert!(!injectable(config.name()) && !config.name().contains('='), "name {:?}", config.name());
    assert!(!config.domain().is_some_and(injectable), "domain {:?}", config.domain());
    assert!(!injectable(config.path()), "path {:?}", config.path());
    assert!((1..=400 * 86_400).contains(&config.lifetime_secs()));

    let config = Arc::new(config);
    let mut session = Tracked::<Data>::open_with(backend(), config.clone(), &RawHeaders(Vec::new()));
    session.user = Some(input.value.clone());
    let mut response = http::Response::new(());
    match session.save(&mut response) {
        Ok(_) => {}
        Err(Error::TooLarge { line_size, limit, .. }) => {
            assert!(line_size > limit);
            assert!(response.headers().is_empty());
            return;
        }
        Err(other) => panic!("a valid config failed to save: {other}"),
    }
    let line = response.headers().get(http::header::SET_COOKIE).map(http::HeaderValue::as_bytes);
    let Some(line) = line else { panic!("a changed session sent no cookie") };
    assert!(line.len() <= config.max_size());
    assert!(!line.iter().any(|&b| b.is_ascii_control()), "control byte in {line:?}");
    // Attributes: exactly the ones configured, each once.
    let text = std::str::from_utf8(line).unwrap_or_else(|_| panic!("non-UTF-8 Set-Cookie {line:?}"));
    let mut parts = text.split("; ");
    let pair = parts.next().unwrap_or_default();
    assert_eq!(pair.split_once('=').map(|(n, _)| n), Some(config.name()));
    let attrs: Vec<&str> = parts.map(|a| a.split_once('=').map_or(a, |(k, _)| k)).collect();
    let mut expected = Vec::new();
    if config.domain().is_some() {
        expected.push("Domain");
    }
    if config.permanent() {
        expected.extend(["Expires", "Max-Age"]);
    }
    if config.secure() || config.partitioned() {
        expected.push("Secure");
    }
    if config.http_only() {
        expected.push("HttpOnly");
    }
    expected.push("Path");
    if config.same_site().is_some() {
        expected.push("SameSite");
    }
    if config.partitioned() {
        expected.push("Partitioned");
    }
    assert_eq!(attrs, expected, "attributes of {text}");
    // And the cookie reads back under the same config.
    let reopened =
        Tracked::<Data>::open_with(backend(), config.clone(), &RawHeaders(vec![pair.as_bytes().to_vec()]));
    assert_eq!(reopened.rejection(), None, "{text}");
    assert_eq!(reopened.user.as_deref(), Some(input.value.as_str()));
}
