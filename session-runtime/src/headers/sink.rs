//! Writing `Set-Cookie` and a single merged `Vary` header into responses.

use http::header::{SET_COOKIE, VARY};
use http::{HeaderMap, HeaderValue, Response, response};

use crate::error::Error;

/// Anything that carries response headers. Implemented for `http::Response<B>`,
/// `http::response::Parts` and `http::HeaderMap`.
///
/// ```
/// use session_runtime::CookieSink;
/// let mut headers = http::HeaderMap::new();
/// headers.insert("vary", "Accept-Encoding".parse().unwrap());
/// headers.append_set_cookie("session=abc; Path=/".to_owned()).unwrap();
/// headers.add_vary_cookie();
/// headers.add_vary_cookie();
/// assert_eq!(headers.get_all("vary").iter().count(), 1);
/// assert_eq!(headers["vary"], "Accept-Encoding, Cookie");
/// assert_eq!(headers["set-cookie"], "session=abc; Path=/");
/// ```
pub trait CookieSink {
    /// Appends one `Set-Cookie` header (other cookies on the response stay). The line is given
    /// by value so a header type that can own it (as `http::HeaderValue` does) takes it without
    /// a copy.
    fn append_set_cookie(&mut self, line: String) -> Result<(), Error>;
    /// Makes sure the response has exactly one `Vary` header and that it names `Cookie`.
    fn add_vary_cookie(&mut self);
}

impl CookieSink for HeaderMap {
    fn append_set_cookie(&mut self, line: String) -> Result<(), Error> {
        // `TryFrom<String>` validates the bytes and keeps the string's buffer (no copy).
        let value = HeaderValue::try_from(line).map_err(|e| Error::Header(e.to_string()))?;
        self.append(SET_COOKIE, value);
        Ok(())
    }

    fn add_vary_cookie(&mut self) {
        merge_vary_cookie(self);
    }
}

impl<B> CookieSink for Response<B> {
    fn append_set_cookie(&mut self, line: String) -> Result<(), Error> {
        self.headers_mut().append_set_cookie(line)
    }
    fn add_vary_cookie(&mut self) {
        self.headers_mut().add_vary_cookie();
    }
}

impl CookieSink for response::Parts {
    fn append_set_cookie(&mut self, line: String) -> Result<(), Error> {
        self.headers.append_set_cookie(line)
    }
    fn add_vary_cookie(&mut self) {
        self.headers.add_vary_cookie();
    }
}

impl<S: CookieSink + ?Sized> CookieSink for &mut S {
    fn append_set_cookie(&mut self, line: String) -> Result<(), Error> {
        (**self).append_set_cookie(line)
    }
    fn add_vary_cookie(&mut self) {
        (**self).add_vary_cookie();
    }
}

/// Werkzeug's `HeaderSet.add("Cookie")`: case-insensitive, no duplicates, one header. `*` already
/// covers `Cookie`.
fn merge_vary_cookie(headers: &mut HeaderMap) {
    match merged_vary(|| headers.get_all(VARY).iter().map(HeaderValue::as_bytes)) {
        VaryUpdate::Keep => {}
        VaryUpdate::InsertCookie => {
            headers.insert(VARY, HeaderValue::from_static("Cookie"));
        }
        VaryUpdate::Replace(value) => match HeaderValue::from_bytes(&value) {
            Ok(value) => {
                headers.insert(VARY, value);
            }
            // Every token came from a valid header value and the separators are visible ASCII,
            // so this cannot fail; if it somehow did, keep the others and add ours separately.
            Err(_) => {
                headers.append(VARY, HeaderValue::from_static("Cookie"));
            }
        },
    }
}

/// What to do with the `Vary` headers of a response so they name `Cookie` exactly once.
pub(crate) enum VaryUpdate {
    /// Already right: one header naming `Cookie` (or `*`).
    Keep,
    /// No `Vary` header yet: add `Vary: Cookie` (no allocation).
    InsertCookie,
    /// Replace every `Vary` header with this single value.
    Replace(Vec<u8>),
}

/// The merge rule, on the raw values of the existing `Vary` headers (any framework's header map).
/// The common cases (no `Vary` yet, or one that already names `Cookie`) allocate nothing.
/// `values` makes a fresh iterator over them each time it is called.
pub(crate) fn merged_vary<'a, I: Iterator<Item = &'a [u8]>>(values: impl Fn() -> I) -> VaryUpdate {
    let covers_cookie = |t: &[u8]| t.eq_ignore_ascii_case(b"cookie") || t == b"*";
    let mut peek = values();
    match (peek.next(), peek.next()) {
        (None, _) => return VaryUpdate::InsertCookie,
        (Some(only), None) if tokens(only).any(covers_cookie) => return VaryUpdate::Keep,
        _ => {}
    }
    let mut merged: Vec<&[u8]> = Vec::new();
    for token in values().flat_map(tokens) {
        if !merged.iter().any(|seen| seen.eq_ignore_ascii_case(token)) {
            merged.push(token);
        }
    }
    if !merged.iter().any(|t| covers_cookie(t)) {
        merged.push(b"Cookie");
    }
    VaryUpdate::Replace(merged.join(&b", "[..]))
}

fn tokens(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value.split(|&b| b == b',').map(<[u8]>::trim_ascii).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vary_after(existing: &[&str]) -> Vec<String> {
        let mut headers = HeaderMap::new();
        for v in existing {
            headers.append(VARY, HeaderValue::from_str(v).unwrap());
        }
        headers.add_vary_cookie();
        headers.get_all(VARY).iter().map(|v| v.to_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn flask_vary_rules() {
        assert_eq!(vary_after(&[]), ["Cookie"]);
        assert_eq!(vary_after(&["Cookie"]), ["Cookie"]);
        assert_eq!(vary_after(&["cookie"]), ["cookie"]);
        assert_eq!(
            vary_after(&["Accept-Encoding, Accept-Language"]),
            ["Accept-Encoding, Accept-Language, Cookie"]
        );
        assert_eq!(vary_after(&["Accept-Encoding", "Cookie"]), ["Accept-Encoding, Cookie"]);
        assert_eq!(vary_after(&["Origin", "origin"]), ["Origin, Cookie"]);
        assert_eq!(vary_after(&["*"]), ["*"]);
    }

    #[test]
    fn a_single_vary_that_names_cookie_is_left_as_written() {
        assert_eq!(vary_after(&["accept-encoding,COOKIE"]), ["accept-encoding,COOKIE"]);
        assert_eq!(vary_after(&["Origin ,*"]), ["Origin ,*"]);
        // Not a single header: merged into one, in Werkzeug's spelling.
        assert_eq!(vary_after(&["accept-encoding,COOKIE", "Origin"]), ["accept-encoding, COOKIE, Origin"]);
    }

    #[test]
    fn response_parts_receive_set_cookie_and_vary() {
        let (mut parts, ()) = Response::new(()).into_parts();
        parts.headers.insert(SET_COOKIE, HeaderValue::from_static("other=1"));
        parts.append_set_cookie("session=abc; Path=/".to_owned()).unwrap();
        parts.add_vary_cookie();
        let set_cookies: Vec<_> = parts.headers.get_all(SET_COOKIE).iter().collect();
        assert_eq!(set_cookies, ["other=1", "session=abc; Path=/"]);
        assert_eq!(parts.headers[VARY], "Cookie");
        assert!(matches!(parts.append_set_cookie("bad\nline".to_owned()), Err(Error::Header(_))));
    }
}
