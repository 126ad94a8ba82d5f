//! Reading session cookies out of requests: every `Cookie` header, as bytes, exact name match.

use std::ops::ControlFlow;

use http::header::COOKIE;
use http::{HeaderMap, Request, request};

/// Anything that carries request headers. Implemented for `http::Request<B>`,
/// `http::request::Parts` and `http::HeaderMap`; framework integrations implement it for their
/// own request types.
///
/// ```
/// use session_runtime::CookieSource;
/// let req = http::Request::builder().header("cookie", "a=1; session=x").body(()).unwrap();
/// let mut seen = Vec::new();
/// req.for_each_cookie_header(&mut |h| { seen.push(h.to_vec()); std::ops::ControlFlow::Continue(()) });
/// assert_eq!(seen, vec![b"a=1; session=x".to_vec()]);
/// ```
pub trait CookieSource {
    /// Calls `visit` with the raw bytes of each `Cookie` header in order, until it breaks.
    fn for_each_cookie_header(&self, visit: &mut dyn FnMut(&[u8]) -> ControlFlow<()>);
}

impl CookieSource for HeaderMap {
    fn for_each_cookie_header(&self, visit: &mut dyn FnMut(&[u8]) -> ControlFlow<()>) {
        for value in self.get_all(COOKIE) {
            if visit(value.as_bytes()).is_break() {
                return;
            }
        }
    }
}

impl<B> CookieSource for Request<B> {
    fn for_each_cookie_header(&self, visit: &mut dyn FnMut(&[u8]) -> ControlFlow<()>) {
        self.headers().for_each_cookie_header(visit);
    }
}

impl CookieSource for request::Parts {
    fn for_each_cookie_header(&self, visit: &mut dyn FnMut(&[u8]) -> ControlFlow<()>) {
        self.headers.for_each_cookie_header(visit);
    }
}

impl<S: CookieSource + ?Sized> CookieSource for &S {
    fn for_each_cookie_header(&self, visit: &mut dyn FnMut(&[u8]) -> ControlFlow<()>) {
        (**self).for_each_cookie_header(visit);
    }
}

/// Calls `visit` with the value of each cookie named exactly `name`, in the order the client
/// sent them, across all `Cookie` headers, until it breaks.
///
/// Pairs are split on `;` and trimmed of spaces and tabs only; the name must match byte for byte
/// (no trimming around `=`, no case folding, no `$Version` handling). A header that is not UTF-8
/// is scanned all the same, so one foreign cookie cannot hide ours.
pub(crate) fn cookie_values(
    source: &dyn CookieSource,
    name: &str,
    visit: &mut dyn FnMut(&[u8]) -> ControlFlow<()>,
) {
    let name = name.as_bytes();
    source.for_each_cookie_header(&mut |header| {
        // `memchr` splits on `;` many bytes at a time: a session cookie is hundreds of bytes long
        // and the byte-at-a-time `split` was a visible part of opening one.
        let mut start = 0;
        for end in memchr::memchr_iter(b';', header).chain([header.len()]) {
            let pair = header.get(start..end).unwrap_or_default();
            let pair = trim_start_sp_htab(pair);
            start = end + 1;
            let Some(rest) = pair.strip_prefix(name) else { continue };
            let Some(value) = rest.strip_prefix(b"=") else { continue };
            visit(trim_end_sp_htab(value))?;
        }
        ControlFlow::Continue(())
    });
}

/// The value of the first non-empty cookie named exactly `name`, for custom
/// [`SessionInterface`](crate::SessionInterface)s (a server-side store reads its session id so).
///
/// ```
/// use session_runtime::backend::read_cookie;
/// let req = http::Request::builder().header("cookie", "a=1; sid=xyz").body(()).unwrap();
/// assert_eq!(read_cookie(&req, "sid").as_deref(), Some(&b"xyz"[..]));
/// assert_eq!(read_cookie(&req, "b"), None);
/// ```
pub fn read_cookie(source: &dyn CookieSource, name: &str) -> Option<Vec<u8>> {
    let mut found = None;
    cookie_values(source, name, &mut |value| {
        if value.is_empty() {
            return ControlFlow::Continue(());
        }
        found = Some(value.to_vec());
        ControlFlow::Break(())
    });
    found
}

/// Strips leading spaces and tabs only (`trim_ascii_start` would also strip CR, LF and FF).
fn trim_start_sp_htab(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// Strips trailing spaces and tabs only.
fn trim_end_sp_htab(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(0, |i| i + 1);
    bytes.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn values(headers: &[&[u8]], name: &str) -> Vec<Vec<u8>> {
        let mut map = HeaderMap::new();
        for h in headers {
            map.append(COOKIE, HeaderValue::from_bytes(h).unwrap());
        }
        let mut out = Vec::new();
        cookie_values(&map, name, &mut |v| {
            out.push(v.to_vec());
            ControlFlow::Continue(())
        });
        out
    }

    #[test]
    fn scans_every_header_exactly() {
        assert_eq!(values(&[b"a=1", b"session=x; b=2"], "session"), vec![b"x".to_vec()]);
        assert_eq!(values(&[b"xsession=1; session2=2; Session=3"], "session"), Vec::<Vec<u8>>::new());
        assert_eq!(values(&[b"session=1;session=2"], "session"), vec![b"1".to_vec(), b"2".to_vec()]);
        assert_eq!(values(&[b"session =1; session= 2"], "session"), vec![b" 2".to_vec()]);
        assert_eq!(values(&[b"\xff\xfe=\xff; session=ok"], "session"), vec![b"ok".to_vec()]);
        assert_eq!(values(&[b"  session=ok  ;"], "session"), vec![b"ok".to_vec()]);
        assert_eq!(values(&[b"\t session=ok\t \t"], "session"), vec![b"ok".to_vec()]);
        assert_eq!(values(&[b"session= \t"], "session"), vec![b"".to_vec()]);
        assert_eq!(trim_start_sp_htab(b" \t "), b"");
        assert_eq!(trim_end_sp_htab(b" \t "), b"");
    }
}
