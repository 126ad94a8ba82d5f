//! The live round trip: a real Flask app (Werkzeug's server) and a small Rust server (hyper, in
//! this test) on two loopback ports share one secret and one cookie jar, as a browser would
//! during a side-by-side migration. A counter incremented alternately by each ends at the right
//! value; signing out on one side signs out on the other; flash messages cross over.

mod flask_support;

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use flask_support::{flask_python, legacy, script};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use session_runtime::flask::Value;
use session_runtime::{CookieConfig, Format, Keys, SecureCookieSessionInterface, Tracked};

const SECRET: &str = "live round trip secret";

/// The Rust side's view of the shared session: what it uses, plus whatever Flask keeps.
#[derive(Serialize, Deserialize, Default, Debug)]
#[serde(default)]
struct Shared {
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    #[serde(flatten)]
    rest: BTreeMap<String, Value>,
}

/// Flask's defaults, in our config.
fn flask_config() -> CookieConfig {
    CookieConfig::builder().format(Format::Flask).same_site(None).build().expect("config")
}

fn handle(
    backend: &Arc<SecureCookieSessionInterface>,
    req: &http::Request<Incoming>,
) -> http::Response<Full<Bytes>> {
    let mut session: Tracked<Shared> = Tracked::open_with(backend.clone(), flask_config(), req);
    let path = req.uri().path().to_owned();
    let body = match path.split('/').collect::<Vec<_>>().as_slice() {
        ["", "incr"] => {
            let count = session.count.unwrap_or(0) + 1;
            session.count = Some(count);
            count.to_string()
        }
        ["", "count"] => session.count.unwrap_or(0).to_string(),
        ["", "login", user] => {
            session.user = Some((*user).to_owned());
            "ok".to_owned()
        }
        ["", "whoami"] => session.user.clone().unwrap_or_else(|| "anonymous".to_owned()),
        ["", "logout"] => {
            session.clear();
            "ok".to_owned()
        }
        ["", "flash", message] => {
            session.flash_with("info", *message);
            "ok".to_owned()
        }
        ["", "flashes"] => {
            let taken: Vec<(String, String)> =
                session.take_flashes().into_iter().map(|f| (f.category, f.message)).collect();
            serde_json::to_string(&taken).expect("json")
        }
        _ => "not found".to_owned(),
    };
    let mut response = http::Response::new(Full::new(Bytes::from(body)));
    if let Err(e) = session.save(&mut response) {
        *response.body_mut() = Full::new(Bytes::from(format!("save failed: {e}")));
        *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    }
    response
}

/// Starts the Rust server on a loopback port, on its own thread with a small tokio runtime.
fn start_rust_server() -> SocketAddr {
    let backend = Arc::new(SecureCookieSessionInterface::new(Keys::new(legacy(SECRET))));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build().expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(listener.local_addr().expect("addr")).expect("send addr");
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let backend = backend.clone();
                let service = service_fn(move |req| {
                    let response = handle(&backend, &req);
                    async move { Ok::<_, Infallible>(response) }
                });
                tokio::task::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("the Rust server started")
}

/// The Flask app, killed when dropped.
struct FlaskServer {
    child: Child,
    addr: SocketAddr,
}

impl FlaskServer {
    fn start(python: &std::path::Path) -> FlaskServer {
        let mut child = Command::new(python)
            .arg(script("live_app.py"))
            .arg(SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the Flask app");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("port line");
        let port: u16 = line.trim().parse().unwrap_or_else(|_| panic!("the Flask app printed {line:?}"));
        FlaskServer { child, addr: SocketAddr::from(([127, 0, 0, 1], port)) }
    }
}

impl Drop for FlaskServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One cookie jar for both servers: they share the host, so a browser sends both the same
/// cookies (cookies do not depend on the port).
#[derive(Default)]
struct Browser {
    jar: HashMap<String, String>,
}

impl Browser {
    /// A GET over a fresh connection (`Connection: close`); applies `Set-Cookie` to the jar and
    /// returns the body.
    fn get(&mut self, addr: SocketAddr, path: &str) -> String {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
        let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if !cookies.is_empty() {
            request.push_str(&format!("Cookie: {}\r\n", cookies.join("; ")));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).expect("send");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read");
        let text = String::from_utf8(raw).expect("UTF-8 response");
        let (head, body) = text.split_once("\r\n\r\n").expect("a response");
        assert!(
            head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
            "{path}: {head}\n{body}"
        );
        for line in head.lines().skip(1) {
            let Some((name, value)) = line.split_once(':') else { continue };
            if !name.eq_ignore_ascii_case("set-cookie") {
                continue;
            }
            let mut attributes = value.trim().split(';').map(str::trim);
            let (cookie, content) =
                attributes.next().and_then(|pair| pair.split_once('=')).expect("name=value");
            let deleted = content.is_empty() || attributes.any(|a| a.eq_ignore_ascii_case("max-age=0"));
            if deleted {
                self.jar.remove(cookie);
            } else {
                self.jar.insert(cookie.to_owned(), content.to_owned());
            }
        }
        // The body of a chunked response (hyper may chunk) is not needed beyond short texts.
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            let mut lines = body.split("\r\n");
            let mut out = String::new();
            while let (Some(size), Some(chunk)) = (lines.next(), lines.next()) {
                if size.trim() == "0" {
                    break;
                }
                out.push_str(chunk);
            }
            return out;
        }
        body.to_owned()
    }
}

#[test]
#[cfg_attr(no_flask, ignore = "needs Flask 3.1: bash scripts/setup-python.sh")]
fn flask_and_rust_share_one_session_live() {
    let python = flask_python();
    let flask = FlaskServer::start(&python);
    let rust = start_rust_server();
    let mut browser = Browser::default();

    // A counter incremented alternately by each side.
    for step in 1..=10 {
        let side = if step % 2 == 1 { flask.addr } else { rust };
        assert_eq!(browser.get(side, "/incr"), step.to_string(), "step {step}");
    }
    assert_eq!(browser.get(flask.addr, "/count"), "10");
    assert_eq!(browser.get(rust, "/count"), "10");

    // Signed in on Flask, seen by Rust; signed out on Rust, gone on Flask.
    assert_eq!(browser.get(flask.addr, "/login/alice"), "ok");
    assert_eq!(browser.get(rust, "/whoami"), "alice");
    assert_eq!(browser.get(rust, "/incr"), "11", "Rust keeps Flask's user while it counts");
    assert_eq!(browser.get(flask.addr, "/whoami"), "alice");
    assert_eq!(browser.get(rust, "/logout"), "ok");
    assert!(browser.jar.is_empty(), "Rust deleted the cookie: {:?}", browser.jar);
    assert_eq!(browser.get(flask.addr, "/whoami"), "anonymous");
    assert_eq!(browser.get(flask.addr, "/count"), "0");

    // Signed in on Rust, seen by Flask; signed out on Flask, gone on Rust.
    assert_eq!(browser.get(rust, "/login/bob"), "ok");
    assert_eq!(browser.get(flask.addr, "/whoami"), "bob");
    assert_eq!(browser.get(flask.addr, "/incr"), "1");
    assert_eq!(browser.get(rust, "/whoami"), "bob");
    assert_eq!(browser.get(flask.addr, "/logout"), "ok");
    assert!(browser.jar.is_empty(), "Flask deleted the cookie: {:?}", browser.jar);
    assert_eq!(browser.get(rust, "/whoami"), "anonymous");

    // Flash messages cross over in both directions, and are taken once.
    assert_eq!(browser.get(flask.addr, "/flash/from-flask"), "ok");
    assert_eq!(browser.get(rust, "/flashes"), r#"[["info","from-flask"]]"#);
    assert_eq!(browser.get(flask.addr, "/flashes"), "[]");
    assert_eq!(browser.get(rust, "/flash/from-rust"), "ok");
    assert_eq!(browser.get(flask.addr, "/flashes"), r#"[["info", "from-rust"]]"#);
    assert_eq!(browser.get(rust, "/flashes"), "[]");
}
