//! Flask 3.1.3's session tests (from Flask's own test suite) ported end to end: each
//! starts an app on 127.0.0.1 and talks to it with reqwest and a cookie jar. docs/flask-tests.md
//! maps every Flask test to the test here that covers it.

#[path = "common/backends.rs"]
mod backends;
#[path = "common/server.rs"]
mod server;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use server::*;
use session_runtime::tower::SessionLayer;
use session_runtime::{Keys, SecretKey, Session, Tracked};

#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
struct Data {
    value: Option<String>,
    count: u32,
    items: Vec<String>,
}

fn key(byte: u8) -> SecretKey {
    SecretKey::try_from(&[byte; 32][..]).expect("key")
}

/// The layer of the backend under test (see `backends::each!`).
fn layer(keys: Keys) -> SessionLayer {
    SessionLayer::with_interface(backends::current().interface(keys))
}

fn app(routes: Router) -> Router {
    routes.layer(layer(Keys::new(key(7))))
}

async fn get_value(s: Tracked<Data>) -> String {
    s.value.clone().unwrap_or_else(|| "None".into())
}

async fn set_value(mut s: Tracked<Data>, body: String) -> &'static str {
    s.value = Some(body);
    "value set"
}

async fn nothing() -> &'static str {
    ""
}

backends::each!(test_session_accessed);
/// Flask #1 `test_session_accessed`.
async fn test_session_accessed() {
    let base =
        serve(app(Router::new().route("/nothing", get(nothing)).route("/", get(get_value).post(set_value))))
            .await;
    let c = client();
    let r = c.get(format!("{base}/nothing")).send().await.unwrap();
    assert!(varies(&r).is_empty());
    let r = c.post(format!("{base}/")).body("value").send().await.unwrap();
    assert_eq!(varies(&r), ["Cookie"]);
    assert_eq!(set_cookies(&r).len(), 1);
    let r = c.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(varies(&r), ["Cookie"]);
    assert!(set_cookies(&r).is_empty(), "a read does not set the cookie");
    assert_eq!(r.text().await.unwrap(), "value");
    let r = c.get(format!("{base}/nothing")).send().await.unwrap();
    assert!(varies(&r).is_empty(), "the cookie was sent, the session not touched: no Vary");
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(path = "/foo")]
struct UnderFoo {
    value: u8,
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(path = "/bar")]
struct UnderBar {
    value: u8,
}

backends::each!(test_session_path);
/// Flask #2 `test_session_path` and #3 `test_session_using_application_root`: the path comes
/// from the session's configuration.
async fn test_session_path() {
    async fn foo(mut s: Tracked<UnderFoo>) {
        s.value = 1;
    }
    async fn bar(mut s: Tracked<UnderBar>) {
        s.value = 1;
    }
    let base = serve(app(Router::new().route("/foo", get(foo)).route("/bar", get(bar)))).await;
    let r = client().get(format!("{base}/foo")).send().await.unwrap();
    assert!(set_cookies(&r)[0].contains("; Path=/foo"), "{:?}", set_cookies(&r));
    let r = client().get(format!("{base}/bar")).send().await.unwrap();
    assert!(set_cookies(&r)[0].contains("; Path=/bar"), "{:?}", set_cookies(&r));
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(domain = ".example.com", secure, http_only = false, same_site = "lax", partitioned)]
struct Settings {
    value: Option<String>,
}

backends::each!(test_session_using_session_settings);
/// Flask #4 `test_session_using_session_settings`.
async fn test_session_using_session_settings() {
    async fn set(mut s: Tracked<Settings>) {
        s.value = Some("v".into());
    }
    async fn clear(mut s: Tracked<Settings>) {
        s.value = None;
    }
    let base = serve(app(Router::new().route("/", get(set)).route("/clear", get(clear)))).await;
    let r = client().get(format!("{base}/")).send().await.unwrap();
    let line = set_cookies(&r).remove(0);
    assert!(line.contains("; Domain=example.com;"), "{line}");
    assert!(line.contains("; Path=/"), "{line}");
    assert!(line.contains("; Secure"), "{line}");
    assert!(!line.contains("HttpOnly"), "{line}");
    assert!(line.contains("; SameSite=Lax"), "{line}");
    assert!(line.ends_with("; Partitioned"), "{line}");
    // The browser would not send a Secure cookie over plain HTTP: send it by hand.
    let pair = line.split(';').next().unwrap().to_owned();
    let r = reqwest::Client::new().get(format!("{base}/clear")).header("cookie", pair).send().await.unwrap();
    assert_eq!(
        set_cookies(&r),
        [
            "session=; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure; Path=/; SameSite=Lax; Partitioned"
        ]
    );
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(same_site = "strict")]
struct Strict {
    v: u8,
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(same_site = "unset")]
struct NoSameSite {
    v: u8,
}

backends::each!(test_session_using_samesite_attribute);
/// Flask #5 `test_session_using_samesite_attribute` (the invalid value is a compile error here:
/// tests/ui; and a `ConfigError` in the runtime builder).
async fn test_session_using_samesite_attribute() {
    async fn strict(mut s: Tracked<Strict>) {
        s.v = 1;
    }
    async fn unset(mut s: Tracked<NoSameSite>) {
        s.v = 1;
    }
    let base = serve(app(Router::new().route("/strict", get(strict)).route("/unset", get(unset)))).await;
    let r = client().get(format!("{base}/strict")).send().await.unwrap();
    assert!(set_cookies(&r)[0].ends_with("; SameSite=Strict"));
    let r = client().get(format!("{base}/unset")).send().await.unwrap();
    assert!(!set_cookies(&r)[0].contains("SameSite"));
    assert!(session_runtime::CookieConfig::builder().name("a b").build().is_err());
}

backends::each!(test_missing_session);
/// Flask #6 `test_missing_session`: without a key reading works; changing is a 500.
async fn test_missing_session() {
    let routes = Router::new().route("/", get(get_value).post(set_value));
    let base = serve(routes.layer(SessionLayer::with_interface(backends::current().without_keys()))).await;
    let c = client();
    let r = c.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "None");
    let r = c.post(format!("{base}/")).body("x").send().await.unwrap();
    assert_eq!(r.status(), 500);
    assert!(set_cookies(&r).is_empty());
}

backends::each!(test_session_secret_key_fallbacks);
/// Flask #7 `test_session_secret_key_fallbacks`: three servers sharing one cookie jar.
async fn test_session_secret_key_fallbacks() {
    let routes = || Router::new().route("/", get(get_value).post(set_value));
    let signing =
        serve(routes().layer(layer(Keys::new(key(b'0')).with_fallbacks([key(b'1'), key(b'2')])))).await;
    let changed = serve(routes().layer(layer(Keys::new(key(b'?'))))).await;
    let rotated = serve(routes().layer(layer(Keys::new(key(b'+')).with_fallbacks([key(b'0')])))).await;
    // The jar is per host:port; carry the cookie by hand like one browser talking to one site.
    let r = client().post(format!("{signing}/")).body("hello").send().await.unwrap();
    let pair = set_cookies(&r)[0].split(';').next().unwrap().to_owned();
    let read = |base: String| {
        let request = reqwest::Client::new().get(format!("{base}/")).header("cookie", pair.clone());
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    assert_eq!(read(signing.clone()).await, "hello");
    assert_eq!(read(changed).await, "None", "another key: empty session");
    assert_eq!(read(rotated).await, "hello", "the old key as a fallback: read back");
}

backends::each!(test_session_expiration);
/// Flask #8 `test_session_expiration`.
async fn test_session_expiration() {
    async fn permanent(mut s: Tracked<Data>) {
        s.set_permanent(true);
        s.value = Some("x".into());
    }
    async fn temporary(mut s: Tracked<Data>) {
        s.value = Some("x".into());
    }
    async fn test(s: Tracked<Data>) -> String {
        s.is_permanent().to_string()
    }
    let base = serve(app(Router::new()
        .route("/", get(permanent))
        .route("/temporary", get(temporary))
        .route("/test", get(test))))
    .await;
    let c = client();
    let r = c.get(format!("{base}/")).send().await.unwrap();
    let line = set_cookies(&r).remove(0);
    let expires = line.split("; ").find_map(|a| a.strip_prefix("Expires=")).expect("Expires").to_owned();
    let expires = httpdate::parse_http_date(&expires).unwrap();
    let expected = std::time::SystemTime::now() + std::time::Duration::from_secs(31 * 86_400);
    let diff = expected.duration_since(expires).unwrap_or_else(|e| e.duration());
    assert!(diff.as_secs() < 60, "Expires is now + 31 days: {line}");
    assert_eq!(c.get(format!("{base}/test")).send().await.unwrap().text().await.unwrap(), "true");
    let r = client().get(format!("{base}/temporary")).send().await.unwrap();
    assert!(!set_cookies(&r)[0].to_ascii_lowercase().contains("expires="));
}

backends::each!(test_session_stored_last);
/// Flask #9 `test_session_stored_last`: a change made after the handler (in a middleware) is saved.
async fn test_session_stored_last() {
    async fn after(request: Request, next: Next) -> Response {
        let session = session_runtime::tower::open_async::<Data, _>(&request).await;
        let response = next.run(request).await;
        if let Some(mut session) = session {
            session.count = 42;
        }
        response
    }
    async fn read(s: Tracked<Data>) -> String {
        if s.count == 0 { "None".into() } else { s.count.to_string() }
    }
    let routes = Router::new().route("/", get(read)).layer(middleware::from_fn(after));
    let base = serve(app(routes)).await;
    let c = client();
    assert_eq!(c.get(format!("{base}/")).send().await.unwrap().text().await.unwrap(), "None");
    assert_eq!(c.get(format!("{base}/")).send().await.unwrap().text().await.unwrap(), "42");
}

#[derive(Session, Serialize, Deserialize, Default, Debug, PartialEq, Clone)]
struct Special {
    tuple: (u8, u8, u8),
    bytes: Vec<u8>,
    markup: String,
    uuid: String,
    map: std::collections::BTreeMap<String, String>,
}

backends::each!(test_session_special_types);
/// Flask #10 `test_session_special_types`: the typed equivalents of Flask's tagged values, and
/// keys that look like Flask's tags, round-trip exactly.
async fn test_session_special_types() {
    fn expected() -> Special {
        Special {
            tuple: (1, 2, 3),
            bytes: vec![0xff],
            markup: "<html>".into(),
            uuid: "8c4b6f5e-1d7a-4b0e-9a55-2f0c9d6f1e3b".into(),
            map: [(" t", "a"), (" t__", "b"), (" di", "c")].map(|(k, v)| (k.to_owned(), v.to_owned())).into(),
        }
    }
    async fn set(mut s: Tracked<Special>) {
        *s = expected();
    }
    async fn check(s: Tracked<Special>) -> String {
        (*s == expected()).to_string()
    }
    let base = serve(app(Router::new().route("/", get(set)).route("/check", get(check)))).await;
    let c = client();
    c.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(c.get(format!("{base}/check")).send().await.unwrap().text().await.unwrap(), "true");
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(permanent, refresh_each_request = true)]
struct PermanentRefresh {
    count: u32,
}
#[derive(Session, Serialize, Deserialize, Default)]
#[session(permanent, refresh_each_request = false)]
struct PermanentNoRefresh {
    count: u32,
}
#[derive(Session, Serialize, Deserialize, Default)]
#[session(permanent = false, refresh_each_request = true)]
struct TemporaryRefresh {
    count: u32,
}
#[derive(Session, Serialize, Deserialize, Default)]
#[session(permanent = false, refresh_each_request = false)]
struct TemporaryNoRefresh {
    count: u32,
}

macro_rules! cookie_setting_app {
    ($session:ty) => {{
        async fn bump(mut s: Tracked<$session>) -> String {
            s.count += 1;
            s.count.to_string()
        }
        async fn read(s: Tracked<$session>) -> String {
            s.count.to_string()
        }
        app(Router::new().route("/bump", get(bump)).route("/read", get(read)))
    }};
}

backends::each!(test_session_cookie_setting);
/// Flask #11 `test_session_cookie_setting`: all four permanent × refresh combinations.
async fn test_session_cookie_setting() {
    let cases = [
        (cookie_setting_app!(PermanentRefresh), true),
        (cookie_setting_app!(PermanentNoRefresh), false),
        (cookie_setting_app!(TemporaryRefresh), false),
        (cookie_setting_app!(TemporaryNoRefresh), false),
    ];
    for (index, (routes, read_sets_cookie)) in cases.into_iter().enumerate() {
        let base = serve(routes).await;
        let c = client();
        for expected in 1..=3 {
            let r = c.get(format!("{base}/bump")).send().await.unwrap();
            assert_eq!(set_cookies(&r).len(), 1);
            assert_eq!(r.text().await.unwrap(), expected.to_string(), "case {index}");
        }
        let r = c.get(format!("{base}/read")).send().await.unwrap();
        assert_eq!(!set_cookies(&r).is_empty(), read_sets_cookie, "case {index}");
        assert_eq!(r.text().await.unwrap(), "3");
    }
}

backends::each!(test_session_vary_cookie);
/// Flask #12 `test_session_vary_cookie`.
async fn test_session_vary_cookie() {
    async fn set(mut s: Tracked<Data>) {
        s.value = Some("x".into());
    }
    async fn get_(s: Tracked<Data>) -> String {
        format!("{:?}", s.value)
    }
    async fn getitem(s: Tracked<Data>) -> String {
        s.count.to_string()
    }
    async fn setdefault(mut s: Tracked<Data>) -> String {
        s.value.get_or_insert_with(|| "d".into()).clone()
    }
    async fn clear(mut s: Tracked<Data>) {
        s.clear();
    }
    async fn vary_cookie(s: Tracked<Data>) -> impl IntoResponse {
        let _ = s.count;
        ([("vary", "Cookie")], "")
    }
    async fn vary_others(s: Tracked<Data>) -> impl IntoResponse {
        let _ = s.count;
        ([("vary", "Accept-Encoding, Accept-Language")], "")
    }
    let base = serve(app(Router::new()
        .route("/set", get(set))
        .route("/get", get(get_))
        .route("/getitem", get(getitem))
        .route("/setdefault", get(setdefault))
        .route("/clear", get(clear))
        .route("/vary-cookie-header-set", get(vary_cookie))
        .route("/vary-header-set", get(vary_others))
        .route("/no-vary-header", get(nothing))))
    .await;
    let c = client();
    for path in ["set", "get", "getitem", "setdefault", "clear"] {
        let r = c.get(format!("{base}/{path}")).send().await.unwrap();
        assert_eq!(varies(&r), ["Cookie"], "/{path}");
    }
    let r = c.get(format!("{base}/vary-cookie-header-set")).send().await.unwrap();
    assert_eq!(varies(&r), ["Cookie"]);
    let r = c.get(format!("{base}/vary-header-set")).send().await.unwrap();
    assert_eq!(varies(&r), ["Accept-Encoding, Accept-Language, Cookie"]);
    let r = c.get(format!("{base}/no-vary-header")).send().await.unwrap();
    assert!(varies(&r).is_empty());
}

backends::each!(test_session_refresh_vary);
/// Flask #13 `test_session_refresh_vary` (CVE-2023-30861).
async fn test_session_refresh_vary() {
    async fn login(mut s: Tracked<Data>) {
        s.set_permanent(true);
        s.value = Some("user".into());
    }
    let routes = Router::new().route("/login", get(login)).route("/ignored", get(nothing));
    let base = serve(routes.clone().layer(layer(Keys::new(key(7))).eager::<Data>())).await;
    let c = client();
    c.get(format!("{base}/login")).send().await.unwrap();
    let r = c.get(format!("{base}/ignored")).send().await.unwrap();
    assert_eq!(set_cookies(&r).len(), 1, "the permanent session is refreshed");
    assert_eq!(varies(&r), ["Cookie"]);
    // Without the eager opening, a route that never asks for the session does not refresh it.
    let lazy = serve(routes.layer(layer(Keys::new(key(7))))).await;
    let c = client();
    c.get(format!("{lazy}/login")).send().await.unwrap();
    let r = c.get(format!("{lazy}/ignored")).send().await.unwrap();
    assert!(set_cookies(&r).is_empty() && varies(&r).is_empty());
}

backends::each!(eager_and_extracted_session_is_one_handle);
/// Eagerly opened sessions are the ones handlers get: one Set-Cookie, not two.
async fn eager_and_extracted_session_is_one_handle() {
    async fn bump(mut s: Tracked<Data>) -> String {
        s.count += 1;
        s.count.to_string()
    }
    let routes = Router::new().route("/", get(bump));
    let base = serve(routes.layer(layer(Keys::new(key(7))).eager::<Data>())).await;
    let c = client();
    for expected in 1..=3 {
        let r = c.get(format!("{base}/")).send().await.unwrap();
        assert_eq!(set_cookies(&r).len(), 1);
        assert_eq!(r.text().await.unwrap(), expected.to_string());
    }
}

backends::each!(test_flashes);
/// Flask #14 `test_flashes` and #15 `test_extended_flashing`.
async fn test_flashes() {
    async fn flash(mut s: Tracked<Data>) {
        s.flash("Hello World");
        s.flash_with("error", "Hello World");
        s.flash_with("warning", "<b>markup</b>");
        assert!(s.is_modified());
    }
    async fn all(mut s: Tracked<Data>) -> String {
        let flashes = s.take_flashes();
        serde_json::to_string(&flashes).unwrap()
    }
    async fn filtered(mut s: Tracked<Data>) -> String {
        serde_json::to_string(&s.take_flashes_in(&["warning"])).unwrap()
    }
    let base = serve(app(Router::new()
        .route("/flash", get(flash))
        .route("/all", get(all))
        .route("/filtered", get(filtered))))
    .await;
    let c = client();
    c.get(format!("{base}/flash")).send().await.unwrap();
    let body = c.get(format!("{base}/all")).send().await.unwrap().text().await.unwrap();
    assert_eq!(body, r#"[["message","Hello World"],["error","Hello World"],["warning","<b>markup</b>"]]"#);
    assert_eq!(c.get(format!("{base}/all")).send().await.unwrap().text().await.unwrap(), "[]", "taken once");
    c.get(format!("{base}/flash")).send().await.unwrap();
    let body = c.get(format!("{base}/filtered")).send().await.unwrap().text().await.unwrap();
    assert_eq!(body, r#"[["warning","<b>markup</b>"]]"#);
    let body = c.get(format!("{base}/all")).send().await.unwrap().text().await.unwrap();
    assert_eq!(body, r#"[["message","Hello World"],["error","Hello World"]]"#, "the others stay");
}

backends::each!(test_max_cookie_size);
/// Flask #16 `test_max_cookie_size`: over the limit is a 500 (browsers would drop the cookie
/// silently), never a truncated or dropped cookie. Server-side sessions have no such limit.
async fn test_max_cookie_size() {
    async fn len(s: Tracked<Data>) -> String {
        s.value.as_ref().map_or(0, String::len).to_string()
    }
    async fn big(mut s: Tracked<Data>) {
        let mut state = 0x9e37_79b9_u32;
        s.value = Some(
            (0..6000)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    char::from(b'a' + (state % 26) as u8)
                })
                .collect(),
        );
    }
    let base = serve(app(Router::new().route("/", get(big)).route("/len", get(len)))).await;
    let c = client();
    let r = c.get(format!("{base}/")).send().await.unwrap();
    if backends::current().is_server_side() {
        // The point of server-side sessions: the cookie holds only the id.
        assert_eq!(r.status(), 200);
        assert_eq!(set_cookies(&r).len(), 1);
        assert_eq!(c.get(format!("{base}/len")).send().await.unwrap().text().await.unwrap(), "6000");
    } else {
        assert_eq!(r.status(), 500);
        assert!(set_cookies(&r).is_empty());
    }
}

backends::each!(test_session_error_leaves_session_intact);
/// Flask #24 `test_session_error_pops_context`: a handler that panics gives a 500 and leaves the
/// session as it was.
async fn test_session_error_leaves_session_intact() {
    async fn panics(mut s: Tracked<Data>) -> &'static str {
        s.value = Some("corrupted".into());
        panic!("handler failure");
    }
    async fn fails(mut s: Tracked<Data>) -> Result<&'static str, (axum::http::StatusCode, &'static str)> {
        s.count += 1;
        Err((axum::http::StatusCode::BAD_REQUEST, "bad request"))
    }
    let routes = Router::new()
        .route("/", get(get_value).post(set_value))
        .route("/panic", get(panics))
        .route("/fail", get(fails));
    let base = serve(app(routes).layer(tower_http::catch_panic::CatchPanicLayer::new())).await;
    let c = client();
    c.post(format!("{base}/")).body("good").send().await.unwrap();
    let r = c.get(format!("{base}/panic")).send().await.unwrap();
    assert_eq!(r.status(), 500);
    assert!(set_cookies(&r).is_empty());
    assert_eq!(c.get(format!("{base}/")).send().await.unwrap().text().await.unwrap(), "good");
    // An error response is still a response: its session changes are saved, as in Flask.
    let r = c.get(format!("{base}/fail")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(set_cookies(&r).len(), 1);
}

#[derive(Session, Serialize, Deserialize, Default)]
#[session(name = "admin_session")]
struct AdminSession {
    value: Option<String>,
}

backends::each!(test_session_dynamic_cookie_name);
/// Flask #25 `test_session_dynamic_cookie_name`: two session types with their own cookie names
/// are independent, side by side on one app.
async fn test_session_dynamic_cookie_name() {
    async fn set_admin(mut s: Tracked<AdminSession>, body: String) {
        s.value = Some(body);
    }
    async fn get_admin(s: Tracked<AdminSession>) -> String {
        s.value.clone().unwrap_or_else(|| "not set".into())
    }
    async fn both(a: Tracked<AdminSession>, d: Tracked<Data>) -> String {
        format!("{:?} {:?}", a.value, d.value)
    }
    let base = serve(app(Router::new()
        .route("/", get(get_value).post(set_value))
        .route("/admin", get(get_admin).post(set_admin))
        .route("/both", get(both))))
    .await;
    let c = client();
    c.post(format!("{base}/")).body("user value").send().await.unwrap();
    c.post(format!("{base}/admin")).body("admin value").send().await.unwrap();
    assert_eq!(c.get(format!("{base}/")).send().await.unwrap().text().await.unwrap(), "user value");
    assert_eq!(c.get(format!("{base}/admin")).send().await.unwrap().text().await.unwrap(), "admin value");
    let both_text = c.get(format!("{base}/both")).send().await.unwrap().text().await.unwrap();
    assert_eq!(both_text, r#"Some("admin value") Some("user value")"#);
}

backends::each!(test_redirect_session);
/// Flask #27 `test_redirect_session`: a session set by the redirecting view and by the target
/// are both visible after following the redirect.
async fn test_redirect_session() {
    async fn redirect(mut s: Tracked<Data>) -> Redirect {
        s.items.push("redirect".into());
        Redirect::to("/target")
    }
    async fn target(mut s: Tracked<Data>) {
        s.items.push("target".into());
    }
    async fn read(s: Tracked<Data>) -> String {
        s.items.join(",")
    }
    let base = serve(app(Router::new()
        .route("/redirect", post(redirect))
        .route("/target", get(target))
        .route("/read", get(read))))
    .await;
    let c = following_client();
    c.post(format!("{base}/redirect")).send().await.unwrap();
    assert_eq!(c.get(format!("{base}/read")).send().await.unwrap().text().await.unwrap(), "redirect,target");
}

/// A handler that extracts a session without the layer gets a 500 that says what to add.
#[tokio::test]
async fn missing_layer_is_a_clear_500() {
    let base = serve(Router::new().route("/", get(get_value))).await;
    let r = client().get(format!("{base}/")).send().await.unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.text().await.unwrap().contains("SessionLayer"));
}
