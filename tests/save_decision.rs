//! Flask 3.1.3's session tests that concern the save decision, ported to this API (tests 1, 4,
//! 6, 8, 11, 12, 13, 16 of docs/flask-tests.md), plus this crate's refinements (docs/design.md,
//! "Save decision": "really changed", empty sessions, size limit).

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::*;
use serde::{Deserialize, Serialize};
use session_runtime::{
    CookieConfig, Error, SameSite, SecureCookieSessionInterface, SessionInterface, Tracked,
};

#[derive(Serialize, Deserialize, Default, Debug, PartialEq, Clone)]
struct Data {
    value: Option<String>,
    count: u32,
    cart: Vec<u64>,
}

fn open(
    backend: &Arc<SecureCookieSessionInterface>,
    config: &CookieConfig,
    cookie: Option<&str>,
) -> Tracked<Data> {
    Tracked::open_with(backend.clone(), config.clone(), &request(cookie))
}

/// Saves into a fresh response and returns it.
fn save(session: Tracked<Data>) -> http::Response<()> {
    let mut resp = response();
    session.save(&mut resp).expect("save");
    resp
}

#[test]
fn test_session_accessed() {
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    // /nothing: no Vary, neither accessed nor modified.
    let s = open(&b, &config, None);
    assert!(!s.is_accessed() && !s.is_modified());
    let resp = save(s);
    assert!(varies(&resp).is_empty() && set_cookies(&resp).is_empty());
    // POST that sets a value: Vary, accessed, modified.
    let mut s = open(&b, &config, None);
    s.value = Some("value".into());
    assert!(s.is_accessed() && s.is_modified());
    let resp = save(s);
    assert_eq!(varies(&resp), ["Cookie"]);
    let cookie = cookie_pair(&resp);
    // GET that reads: Vary and accessed, not modified, no Set-Cookie.
    let s = open(&b, &config, Some(&cookie));
    assert_eq!(s.value.as_deref(), Some("value"));
    assert!(s.is_accessed() && !s.is_modified());
    let resp = save(s);
    assert_eq!(varies(&resp), ["Cookie"]);
    assert!(set_cookies(&resp).is_empty());
    // /nothing again, with the cookie present: still no Vary.
    let resp = save(open(&b, &config, Some(&cookie)));
    assert!(varies(&resp).is_empty() && set_cookies(&resp).is_empty());
}

#[test]
fn reading_the_flags_marks_accessed() {
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    let probes: [fn(&Tracked<Data>); 4] = [
        |s| {
            let _ = s.is_new();
        },
        |s| {
            let _ = s.is_permanent();
        },
        |s| {
            let _ = s.rejection();
        },
        |s| {
            let _ = s.flashes().len();
        },
    ];
    for probe in probes {
        let s = open(&b, &config, None);
        probe(&s);
        assert_eq!(varies(&save(s)), ["Cookie"]);
    }
}

#[test]
fn test_session_using_session_settings() {
    let config = CookieConfig::builder()
        .domain(".example.com")
        .path("/")
        .secure(true)
        .http_only(false)
        .same_site(Some(SameSite::Lax))
        .partitioned(true)
        .permanent(true)
        .build()
        .unwrap();
    let b = backend(NOW);
    let mut s = open(&b, &config, None);
    s.value = Some("v".into());
    let resp = save(s);
    let line = &set_cookies(&resp)[0];
    assert!(line.contains("; Domain=example.com;"), "{line}");
    assert!(line.contains("; Path=/"), "{line}");
    assert!(line.contains("; Secure"), "{line}");
    assert!(!line.contains("HttpOnly"), "{line}");
    assert!(line.contains("; SameSite=Lax"), "{line}");
    assert!(line.ends_with("; Partitioned"), "{line}");
    // Emptying the session deletes the cookie with the same attributes.
    let mut s = open(&b, &config, Some(&cookie_pair(&resp)));
    s.value = None;
    let resp = save(s);
    assert_eq!(
        set_cookies(&resp),
        [
            "session=; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure; Path=/; SameSite=Lax; Partitioned"
        ]
    );
    assert_eq!(varies(&resp), ["Cookie"]);
}

#[test]
fn test_missing_session() {
    let b = Arc::new(SecureCookieSessionInterface::without_keys());
    let config = CookieConfig::DEFAULT;
    // Reading works and gives the default.
    let s = open(&b, &config, Some("session=anything"));
    assert!(s.is_null());
    assert_eq!(*s, Data::default());
    let resp = save(s);
    assert!(set_cookies(&resp).is_empty());
    // Changing it cannot be saved: Flask's NullSession message.
    let mut s = open(&b, &config, None);
    s.count = 1;
    let err = s.save(&mut response()).unwrap_err();
    assert!(matches!(err, Error::NullSession));
    assert!(err.to_string().contains("session is unavailable"), "{err}");
    // A mutable borrow without a change is fine.
    let mut s = open(&b, &config, None);
    s.count = 0;
    assert!(s.save(&mut response()).is_ok());
    assert!(b.is_null_session(&b.make_null_session()));
}

#[test]
fn test_session_expiration() {
    let config = CookieConfig::DEFAULT;
    let b = backend(NOW);
    let mut s = open(&b, &config, None);
    s.set_permanent(true);
    s.count = 1;
    let resp = save(s);
    let line = &set_cookies(&resp)[0];
    // NOW + 31 days = 2023-12-15T22:13:20Z.
    assert!(line.contains("; Expires=Fri, 15 Dec 2023 22:13:20 GMT; Max-Age=2678400;"), "{line}");
    let s = open(&b, &config, Some(&cookie_pair(&resp)));
    assert!(s.is_permanent());
    // A non-permanent session has no Expires.
    let mut s = open(&b, &config, None);
    s.count = 1;
    let line = &set_cookies(&save(s))[0];
    assert!(!line.contains("Expires") && !line.contains("Max-Age"), "{line}");
}

#[test]
fn test_session_cookie_setting() {
    for permanent in [false, true] {
        for refresh in [false, true] {
            let config =
                CookieConfig::builder().permanent(permanent).refresh_each_request(refresh).build().unwrap();
            let b = backend(NOW);
            // The counter persists as 1, 2, 3.
            let mut cookie: Option<String> = None;
            for expected in 1..=3 {
                let mut s = open(&b, &config, cookie.as_deref());
                s.count += 1;
                assert_eq!(s.count, expected);
                let resp = save(s);
                cookie = Some(cookie_pair(&resp));
            }
            // A read-only request sends Set-Cookie only when permanent and refresh.
            let s = open(&b, &config, cookie.as_deref());
            assert_eq!(s.count, 3);
            let resp = save(s);
            let sent = !set_cookies(&resp).is_empty();
            assert_eq!(sent, permanent && refresh, "permanent={permanent} refresh={refresh}");
        }
    }
}

#[test]
fn test_session_vary_cookie() {
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    let mut s = open(&b, &config, None);
    s.value = Some("x".into());
    let cookie = cookie_pair(&save(s));
    type Route = fn(&mut Tracked<Data>);
    let routes: [(&str, Route); 5] = [
        ("set", |s| s.value = Some("y".into())),
        ("get", |s| drop(s.value.clone())),
        ("getitem", |s| {
            let _ = s.count;
        }),
        ("setdefault", |s| {
            let _ = s.value.get_or_insert_with(|| "z".into());
        }),
        ("clear", |s| s.clear()),
    ];
    for (name, route) in routes {
        let mut s = open(&b, &config, Some(&cookie));
        route(&mut s);
        let resp = save(s);
        assert_eq!(varies(&resp), ["Cookie"], "route {name}");
    }
    // An existing Vary: Cookie is not duplicated; other values are merged.
    for (existing, expected) in [
        ("Cookie", "Cookie"),
        ("Accept-Encoding, Accept-Language", "Accept-Encoding, Accept-Language, Cookie"),
    ] {
        let s = open(&b, &config, Some(&cookie));
        let _ = s.value.is_some();
        let mut resp = response();
        resp.headers_mut().insert("vary", existing.parse().unwrap());
        s.save(&mut resp).unwrap();
        assert_eq!(varies(&resp), [expected]);
    }
    // A route that does not touch the session: no Vary.
    let resp = save(open(&b, &config, Some(&cookie)));
    assert!(varies(&resp).is_empty());
}

#[test]
fn test_session_refresh_vary() {
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    let mut s = open(&b, &config, None);
    s.set_permanent(true);
    s.value = Some("user".into());
    let cookie = cookie_pair(&save(s));
    // A route that never touches the session still gets Vary because of the refresh.
    let resp = save(open(&b, &config, Some(&cookie)));
    assert_eq!(set_cookies(&resp).len(), 1);
    assert_eq!(varies(&resp), ["Cookie"]);
}

#[test]
fn test_max_cookie_size() {
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    let mut s = open(&b, &config, None);
    // Pseudo-random letters (xorshift) defeat compression.
    let mut state = 0x2545_f491_u32;
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
    let mut resp = response();
    let err = s.save(&mut resp).unwrap_err();
    match err {
        Error::TooLarge { name, value_size, line_size, limit, json_size } => {
            assert_eq!(name, "session");
            assert_eq!(limit, 4093);
            assert!(json_size > 6000, "{json_size}");
            assert!(line_size > limit && value_size < line_size, "{value_size} {line_size}");
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(set_cookies(&resp).is_empty(), "nothing is sent");
    // The limit is the whole line: just under it is sent.
    let small = CookieConfig::builder().max_size(200).build().unwrap();
    let mut s = open(&b, &small, None);
    s.count = 1;
    let line_len = set_cookies(&save(s))[0].len();
    assert!(line_len <= 200, "{line_len}");
    let exact = CookieConfig::builder().max_size(line_len).build().unwrap();
    let mut s = open(&b, &exact, None);
    s.count = 1;
    let sent = save(s);
    let value_len = cookie_pair(&sent).len() - "session=".len();
    assert_eq!(set_cookies(&sent)[0].len(), line_len, "a line of exactly max_size is sent");
    // One byte less refuses it, and the error measures the same value and line exactly.
    let under = CookieConfig::builder().max_size(line_len - 1).build().unwrap();
    let mut s = open(&b, &under, None);
    s.count = 1;
    match s.save(&mut response()) {
        Err(Error::TooLarge { name, value_size, line_size, limit, json_size }) => {
            assert_eq!(
                (name.as_str(), value_size, line_size, limit),
                ("session", value_len, line_len, line_len - 1)
            );
            // The JSON is base64-encoded into the value, next to the timestamp and the MAC.
            assert!(json_size > 0 && json_size * 4 / 3 < value_len, "{json_size} of {value_len}");
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn mutable_access_without_change_sends_nothing() {
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    let mut s = open(&b, &config, None);
    s.count = 5;
    let cookie = cookie_pair(&save(s));
    let mut s = open(&b, &config, Some(&cookie));
    s.count = 5;
    s.cart.clear();
    assert!(s.is_modified());
    let resp = save(s);
    assert!(set_cookies(&resp).is_empty());
    assert_eq!(varies(&resp), ["Cookie"]);
}

#[test]
fn nested_push_is_saved() {
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    let mut s = open(&b, &config, None);
    s.cart.push(7);
    let cookie = cookie_pair(&save(s));
    let mut s = open(&b, &config, Some(&cookie));
    s.cart.push(8);
    let cookie = cookie_pair(&save(s));
    assert_eq!(open(&b, &config, Some(&cookie)).cart, [7, 8]);
}

#[test]
fn anonymous_visitors_get_no_cookie() {
    let b = backend(NOW);
    for config in [CookieConfig::DEFAULT, CookieConfig::builder().permanent(true).build().unwrap()] {
        let mut s = open(&b, &config, None);
        s.count = 0;
        s.clear();
        let resp = save(s);
        assert!(set_cookies(&resp).is_empty(), "{:?}", set_cookies(&resp));
    }
}

#[test]
fn clear_deletes_an_accepted_cookie_only() {
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    let mut s = open(&b, &config, None);
    s.count = 2;
    let cookie = cookie_pair(&save(s));
    let mut s = open(&b, &config, Some(&cookie));
    s.clear();
    assert_eq!(
        set_cookies(&save(s)),
        ["session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/; SameSite=Lax"]
    );
    // A refused cookie is not an accepted one: nothing to delete.
    let mut s = open(&b, &config, Some("session=garbage"));
    s.clear();
    assert!(set_cookies(&save(s)).is_empty());
}

#[test]
fn permanent_toggle_and_flashes_are_changes() {
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    let mut s = open(&b, &config, None);
    s.count = 1;
    let cookie = cookie_pair(&save(s));
    let mut s = open(&b, &config, Some(&cookie));
    s.flash("saved");
    s.flash_with("error", "but not really");
    let cookie = cookie_pair(&save(s));
    let mut s = open(&b, &config, Some(&cookie));
    assert_eq!(s.take_flashes_in(&["error"]).len(), 1);
    let cookie = cookie_pair(&save(s));
    let mut s = open(&b, &config, Some(&cookie));
    let rest = s.take_flashes();
    assert_eq!((rest[0].category.as_str(), rest[0].message.as_str()), ("message", "saved"));
    let cookie = cookie_pair(&save(s));
    let mut s = open(&b, &config, Some(&cookie));
    assert!(s.flashes().is_empty());
    s.set_permanent(true);
    let resp = save(s);
    assert!(set_cookies(&resp)[0].contains("Expires="));
}

#[derive(Serialize, Deserialize, Default)]
struct Tags {
    tags: HashMap<String, u32>,
}

#[test]
fn hashmap_order_is_not_a_change() {
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    let mut s: Tracked<Tags> = Tracked::open_with(b.clone(), config.clone(), &request(None));
    for i in 0..40 {
        s.tags.insert(format!("tag{i}"), i);
    }
    let mut resp = response();
    s.save(&mut resp).unwrap();
    let cookie = cookie_pair(&resp);
    // Re-inserting the same entries into a fresh map (another random order) is no change.
    for _ in 0..8 {
        let mut s: Tracked<Tags> = Tracked::open_with(b.clone(), config.clone(), &request(Some(&cookie)));
        let entries: Vec<(String, u32)> = s.tags.drain().collect();
        let mut fresh = HashMap::new();
        fresh.extend(entries);
        s.tags = fresh;
        let mut resp = response();
        s.save(&mut resp).unwrap();
        assert!(set_cookies(&resp).is_empty());
    }
    // A real change of equal length is still a change.
    let mut s: Tracked<Tags> = Tracked::open_with(b.clone(), config.clone(), &request(Some(&cookie)));
    s.tags.insert("tag1".into(), 2);
    let mut resp = response();
    s.save(&mut resp).unwrap();
    assert_eq!(set_cookies(&resp).len(), 1);
}

#[test]
fn other_cookies_on_the_response_stay() {
    let b = backend(NOW);
    let mut s = open(&b, &CookieConfig::DEFAULT, None);
    s.count = 1;
    let mut resp = response();
    resp.headers_mut().append("set-cookie", "theme=dark; Path=/".parse().unwrap());
    s.save(&mut resp).unwrap();
    assert_eq!(set_cookies(&resp).len(), 2);
}

/// `set_cookie_line` and `delete_cookie_line` (for custom interfaces) write exactly the lines a
/// save writes: a permanent session's, with `Expires` and `Max-Age`, and the delete cookie.
#[test]
fn public_line_renderers_match_what_save_writes() {
    use session_runtime::backend::{delete_cookie_line, set_cookie_line};
    let b = backend(NOW);
    let config = CookieConfig::builder()
        .domain(".example.com")
        .path("/app")
        .secure(true)
        .same_site(Some(SameSite::Strict))
        .permanent(true)
        .build()
        .unwrap();
    let mut s = open(&b, &config, None);
    s.count = 1;
    let resp = save(s);
    let line = &set_cookies(&resp)[0];
    let value = cookie_pair(&resp)["session=".len()..].to_owned();
    let lifetime = config.lifetime_secs();
    assert_eq!(&set_cookie_line(&config, &value, Some(NOW + lifetime), Some(lifetime)).unwrap(), line);
    assert_eq!(
        set_cookie_line(&config, "v", Some(NOW), Some(60)).unwrap(),
        "session=v; Domain=example.com; Expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=60; Secure; \
         HttpOnly; Path=/app; SameSite=Strict"
    );
    let mut s = open(&b, &config, Some(&cookie_pair(&resp)));
    s.clear();
    assert_eq!(set_cookies(&save(s)), [delete_cookie_line(&config)]);
    assert_eq!(
        delete_cookie_line(&config),
        "session=; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure; \
         HttpOnly; Path=/app; SameSite=Strict"
    );
}

/// Flask's `session.modified = True`: a change made through interior mutability is invisible to
/// `DerefMut`, so it is saved only after `mark_modified()`; a mark without a real change still
/// sends nothing (the serialized data is compared as for any change).
#[test]
fn mark_modified_saves_changes_made_through_interior_mutability() {
    #[derive(Serialize, Deserialize, Default)]
    struct Hits {
        count: std::cell::Cell<u32>,
    }
    let b = backend(NOW);
    let config = CookieConfig::DEFAULT;
    let open_hits = |cookie: Option<&str>| -> Tracked<Hits> {
        Tracked::open_with(b.clone(), config.clone(), &request(cookie))
    };
    let save_hits = |session: Tracked<Hits>| {
        let mut resp = response();
        session.save(&mut resp).expect("save");
        resp
    };

    let hits = open_hits(None);
    hits.count.set(1);
    assert!(!hits.is_modified());
    assert!(set_cookies(&save_hits(hits)).is_empty(), "unseen without the mark");

    let mut hits = open_hits(None);
    hits.count.set(1);
    hits.mark_modified();
    assert!(hits.is_modified() && hits.is_accessed());
    let resp = save_hits(hits);
    assert_eq!(varies(&resp), ["Cookie"]);
    let cookie = cookie_pair(&resp);
    assert_eq!(open_hits(Some(&cookie)).count.get(), 1);

    let mut unchanged = open_hits(Some(&cookie));
    unchanged.mark_modified();
    assert!(set_cookies(&save_hits(unchanged)).is_empty(), "marked but equal: nothing to send");
}
