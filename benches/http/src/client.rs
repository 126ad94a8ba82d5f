//! The load client: keep-alive HTTP/1.1 connections, each with its own cookie jar, sending
//! 80 % `GET /` (reads the session) and 20 % `POST /` (changes it); and the checks that a variant
//! really keeps sessions before it is measured.

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{COOKIE, HOST, SET_COOKIE};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::payload::{FIRST, NONE};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// One keep-alive connection and its cookies.
pub struct Browser {
    sender: SendRequest<Empty<Bytes>>,
    jar: Vec<(String, String)>,
}

impl Browser {
    pub async fn connect(addr: SocketAddr) -> Result<Self, Error> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Browser { sender, jar: Vec::new() })
    }

    /// Sends one request with the jar's cookies, keeps what the response sets; the body.
    pub async fn send(&mut self, method: Method) -> Result<String, Error> {
        let mut request = Request::builder().method(method).uri("/").header(HOST, "127.0.0.1");
        if !self.jar.is_empty() {
            let cookies: Vec<String> =
                self.jar.iter().map(|(name, value)| format!("{name}={value}")).collect();
            request = request.header(COOKIE, cookies.join("; "));
        }
        self.sender.ready().await?;
        let response = self.sender.send_request(request.body(Empty::new())?).await?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()).into());
        }
        for line in response.headers().get_all(SET_COOKIE) {
            self.keep(line.to_str()?);
        }
        let body = response.into_body().collect().await?.to_bytes();
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// A `Set-Cookie` line into the jar: set, or removed when empty or expired.
    fn keep(&mut self, line: &str) {
        let mut parts = line.split(';');
        let Some((name, value)) = parts.next().and_then(|pair| pair.trim().split_once('=')) else { return };
        let expired = parts.any(|attr| attr.trim().eq_ignore_ascii_case("max-age=0"));
        self.jar.retain(|(kept, _)| kept != name);
        if !value.is_empty() && !expired {
            self.jar.push((name.to_owned(), value.to_owned()));
        }
    }
}

/// Checks that the server at `addr` creates a session, re-opens it with the change of the last
/// POST, and refuses a tampered cookie; `Err` says which failed.
pub async fn check(addr: SocketAddr) -> Result<(), Error> {
    let mut browser = Browser::connect(addr).await?;
    let expect = |step: &str, got: String, want: String| -> Result<(), Error> {
        if got == want { Ok(()) } else { Err(format!("{step}: answered {got:?}, expected {want:?}").into()) }
    };
    expect("GET without a cookie", browser.send(Method::GET).await?, NONE.into())?;
    expect("POST without a cookie (creates)", browser.send(Method::POST).await?, FIRST.to_string())?;
    if browser.jar.is_empty() {
        return Err("POST without a cookie set no cookie".into());
    }
    expect("GET after the first POST", browser.send(Method::GET).await?, FIRST.to_string())?;
    expect("second POST", browser.send(Method::POST).await?, (FIRST + 1).to_string())?;
    expect("GET after the second POST", browser.send(Method::GET).await?, (FIRST + 1).to_string())?;
    // One character in the middle of each cookie value changed, to another of the same alphabet.
    let mut tampered = Browser::connect(addr).await?;
    tampered.jar = browser.jar.clone();
    for (_, value) in &mut tampered.jar {
        let mut bytes = value.clone().into_bytes();
        let middle = bytes.len() / 2;
        bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
        *value = String::from_utf8(bytes)?;
    }
    expect("GET with a tampered cookie", tampered.send(Method::GET).await?, NONE.into())?;
    expect("GET with the genuine cookie after", browser.send(Method::GET).await?, (FIRST + 1).to_string())?;
    Ok(())
}

/// What one load run did.
pub struct Done {
    pub requests: u64,
    pub seconds: f64,
}

/// How long a load run lasts.
#[derive(Clone, Copy)]
pub enum Until {
    Requests(u64),
    Seconds(f64),
}

/// `connections` fresh browsers, each first creating its session (a POST), then 80 % GET / 20 %
/// POST until `until`. With `sessions` on, a GET that finds no session fails the run.
pub async fn load(addr: SocketAddr, connections: usize, until: Until, sessions: bool) -> Result<Done, Error> {
    let mut browsers = Vec::with_capacity(connections);
    for _ in 0..connections {
        browsers.push(Browser::connect(addr).await?);
    }
    let start = Instant::now();
    let per_connection = match until {
        Until::Requests(n) => n.div_ceil(connections as u64),
        Until::Seconds(_) => u64::MAX,
    };
    let deadline = match until {
        Until::Seconds(s) => Some(start + std::time::Duration::from_secs_f64(s)),
        Until::Requests(_) => None,
    };
    let mut tasks = Vec::new();
    for (i, mut browser) in browsers.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            // xorshift, seeded per connection: the same mix in every run.
            let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (i as u64 + 1);
            let mut sent = 0;
            browser.send(Method::POST).await?;
            sent += 1;
            while sent < per_connection && deadline.is_none_or(|d| Instant::now() < d) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let method = if state.is_multiple_of(5) { Method::POST } else { Method::GET };
                let get = method == Method::GET;
                let body = browser.send(method).await?;
                if sessions && get && body == NONE {
                    return Err::<u64, Error>("a GET found no session under load".into());
                }
                sent += 1;
            }
            Ok(sent)
        }));
    }
    let mut requests = 0;
    for task in tasks {
        requests += task.await??;
    }
    Ok(Done { requests, seconds: start.elapsed().as_secs_f64() })
}
