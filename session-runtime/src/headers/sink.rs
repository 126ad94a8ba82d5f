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
/// headers.add_vary_cookie();
/// headers.add_vary_cookie();
/// assert_eq!(headers.get_all("vary").iter().count(), 1);
/// assert_eq!(headers["vary"], "Accept-Encoding, Cookie");
/// ```
pub trait CookieSink {
    /// Appends one `Set-Cookie` header (other cookies on the response stay).
    fn append_set_cookie(&mut self, line: &str) -> Result<(), Error>;
    /// Makes sure the response has exactly one `Vary` header and that it names `Cookie`.
    fn add_vary_cookie(&mut self);
}

impl CookieSink for HeaderMap {
    fn append_set_cookie(&mut self, line: &str) -> Result<(), Error> {
        let value = HeaderValue::from_str(line).map_err(|e| Error::Header(e.to_string()))?;
        self.append(SET_COOKIE, value);
        Ok(())
    }

    fn add_vary_cookie(&mut self) {
        merge_vary_cookie(self);
    }
}

impl<B> CookieSink for Response<B> {
    fn append_set_cookie(&mut self, line: &str) -> Result<(), Error> {
        self.headers_mut().append_set_cookie(line)
    }
    fn add_vary_cookie(&mut self) {
        self.headers_mut().add_vary_cookie();
    }
}

impl CookieSink for response::Parts {
    fn append_set_cookie(&mut self, line: &str) -> Result<(), Error> {
        self.headers.append_set_cookie(line)
    }
    fn add_vary_cookie(&mut self) {
        self.headers.add_vary_cookie();
    }
}

impl<S: CookieSink + ?Sized> CookieSink for &mut S {
    fn append_set_cookie(&mut self, line: &str) -> Result<(), Error> {
        (**self).append_set_cookie(line)
    }
    fn add_vary_cookie(&mut self) {
        (**self).add_vary_cookie();
    }
}

/// Werkzeug's `HeaderSet.add("Cookie")`: case-insensitive, no duplicates, one header. `*` already
/// covers `Cookie`.
fn merge_vary_cookie(headers: &mut HeaderMap) {
    let mut values = headers.get_all(VARY).iter();
    let (first, more) = (values.next(), values.next().is_some());
    let Some(first) = first else {
        headers.insert(VARY, HeaderValue::from_static("Cookie"));
        return;
    };
    let names_cookie = |value: &HeaderValue| {
        tokens(value.as_bytes()).any(|t| t.eq_ignore_ascii_case(b"cookie") || t == b"*")
    };
    if !more && names_cookie(first) {
        return;
    }
    let mut merged: Vec<&[u8]> = Vec::new();
    for token in headers.get_all(VARY).iter().flat_map(|v| tokens(v.as_bytes())) {
        if !merged.iter().any(|seen| seen.eq_ignore_ascii_case(token)) {
            merged.push(token);
        }
    }
    if !merged.iter().any(|t| t.eq_ignore_ascii_case(b"cookie") || *t == b"*") {
        merged.push(b"Cookie");
    }
    let joined = merged.join(&b", "[..]);
    // Every token came from a valid header value and separators are visible ASCII, so this
    // cannot fail; if it somehow did, keep the existing headers and add ours separately.
    match HeaderValue::from_bytes(&joined) {
        Ok(value) => {
            headers.insert(VARY, value);
        }
        Err(_) => {
            headers.append(VARY, HeaderValue::from_static("Cookie"));
        }
    }
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
}
