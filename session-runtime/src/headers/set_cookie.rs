//! `Set-Cookie` lines in Werkzeug's `dump_cookie` attribute order:
//! `name=value; Domain=…; Expires=…; Max-Age=…; Secure; HttpOnly; Path=…; SameSite=…; Partitioned`.

use std::fmt::Write;
use std::time::{Duration, UNIX_EPOCH};

use httpdate::HttpDate;

use crate::config::CookieConfig;
use crate::error::Error;

/// The attributes of a session cookie's `Set-Cookie` line, measured before the line is built so
/// that the signer can allocate it at its exact length.
pub(crate) struct Attributes<'a> {
    config: &'a CookieConfig,
    expires: Option<HttpDate>,
    max_age: Option<u64>,
    len: usize,
}

impl<'a> Attributes<'a> {
    /// `expires_at` (Unix seconds) and `max_age` only for permanent sessions; a date from year
    /// 10000 on is `Error::Clock`.
    pub(crate) fn new(
        config: &'a CookieConfig,
        expires_at: Option<u64>,
        max_age: Option<u64>,
    ) -> Result<Self, Error> {
        let expires = expires_at.map(http_date).transpose()?;
        let mut counter = Counter(0);
        push_attributes(config, &mut counter, expires, max_age);
        Ok(Attributes { config, expires, max_age, len: counter.0 })
    }

    /// How many bytes [`append_to`](Self::append_to) adds.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends the attributes to `line` (`name=VALUE`): the `Set-Cookie` line.
    pub(crate) fn append_to(self, mut line: String) -> String {
        push_attributes(self.config, &mut line, self.expires, self.max_age);
        line
    }
}

/// Counts what is written, to size a line before writing it with the same code.
struct Counter(usize);

impl Write for Counter {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0 += text.len();
        Ok(())
    }
}

/// The `Set-Cookie` line for a session cookie with `value`, in Werkzeug's attribute order, for
/// custom [`SessionInterface`](crate::SessionInterface)s. `expires_at` is Unix seconds; give it
/// and `max_age` for permanent sessions only.
///
/// ```
/// use session_runtime::{backend::set_cookie_line, CookieConfig};
/// let line = set_cookie_line(&CookieConfig::DEFAULT, "abc", None, None).unwrap();
/// assert_eq!(line, "session=abc; HttpOnly; Path=/; SameSite=Lax");
/// ```
pub fn set_cookie_line(
    config: &CookieConfig,
    value: &str,
    expires_at: Option<u64>,
    max_age: Option<u64>,
) -> Result<String, Error> {
    let attributes = Attributes::new(config, expires_at, max_age)?;
    let mut line = String::with_capacity(config.name().len() + 1 + value.len() + attributes.len());
    line.push_str(config.name());
    line.push('=');
    line.push_str(value);
    Ok(attributes.append_to(line))
}

/// The `Set-Cookie` line that deletes the session cookie: empty value, the epoch `Expires`,
/// `Max-Age=0`, and the same domain, path, secure, http_only, same_site and partitioned as the
/// cookie it deletes.
///
/// ```
/// use session_runtime::{backend::delete_cookie_line, CookieConfig};
/// assert!(delete_cookie_line(&CookieConfig::DEFAULT).contains("Max-Age=0"));
/// ```
pub fn delete_cookie_line(config: &CookieConfig) -> String {
    // The epoch is a date `httpdate` formats, so this is never the error.
    Attributes::new(config, Some(0), Some(0))
        .map(|attributes| {
            let mut line = String::with_capacity(config.name().len() + 1 + attributes.len());
            line.push_str(config.name());
            line.push('=');
            attributes.append_to(line)
        })
        .unwrap_or_default()
}

/// Writes the attributes in Werkzeug's order, into a line or a [`Counter`] (neither can fail).
fn push_attributes(
    config: &CookieConfig,
    out: &mut impl Write,
    expires: Option<HttpDate>,
    max_age: Option<u64>,
) {
    if let Some(domain) = config.domain() {
        let _ = out.write_str("; Domain=");
        let _ = out.write_str(domain.trim_start_matches('.'));
    }
    if let Some(expires) = expires {
        let _ = write!(out, "; Expires={expires}");
    }
    if let Some(max_age) = max_age {
        let _ = write!(out, "; Max-Age={max_age}");
    }
    if config.secure() || config.partitioned() {
        let _ = out.write_str("; Secure");
    }
    if config.http_only() {
        let _ = out.write_str("; HttpOnly");
    }
    let _ = out.write_str("; Path=");
    push_quoted_path(config.path(), out);
    if let Some(same_site) = config.same_site() {
        let _ = out.write_str("; SameSite=");
        let _ = out.write_str(same_site.as_str());
    }
    if config.partitioned() {
        let _ = out.write_str("; Partitioned");
    }
}

/// `urllib.parse.quote(path, safe="%!$&'()*+,/:=@")`, as Werkzeug writes paths. Config rules
/// already exclude `;`, `,`, whitespace, controls and non-ASCII.
fn push_quoted_path(path: &str, out: &mut impl Write) {
    for byte in path.bytes() {
        // A `match`, not a search of the safe set: this runs twice per save (measure, write).
        let safe = matches!(
            byte,
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' | b'%' | b'!' | b'$' | b'&'
                | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b'/' | b':' | b'=' | b'@'
        );
        if safe {
            let _ = out.write_char(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

/// The first second that `httpdate` cannot format (it panics from 10000-01-01T00:00:00Z on).
const YEAR_10000: u64 = 253_402_300_800;

/// `Www, DD Mon YYYY HH:MM:SS GMT` when displayed (written straight into the line); a date from
/// year 10000 on is `Error::Clock`, not a panic.
fn http_date(unix: u64) -> Result<HttpDate, Error> {
    if unix >= YEAR_10000 {
        return Err(Error::Clock);
    }
    let time = UNIX_EPOCH.checked_add(Duration::from_secs(unix)).ok_or(Error::Clock)?;
    Ok(HttpDate::from(time))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SameSite;

    #[test]
    fn werkzeug_order_and_quoting() {
        let config = CookieConfig::builder()
            .domain(".example.com")
            .path("/my app[x]")
            .secure(true)
            .same_site(Some(SameSite::Lax))
            .partitioned(true)
            .build();
        assert!(config.is_err(), "space in path is refused by the rules");
        let config = CookieConfig::builder()
            .domain(".example.com")
            .path("/app[x]")
            .secure(true)
            .same_site(Some(SameSite::Lax))
            .partitioned(true)
            .build()
            .unwrap();
        assert_eq!(
            Attributes::new(&config, Some(1_702_678_400), None).unwrap().append_to("session=v".to_owned()),
            "session=v; Domain=example.com; Expires=Fri, 15 Dec 2023 22:13:20 GMT; Secure; HttpOnly; Path=/app%5Bx%5D; SameSite=Lax; Partitioned"
        );
        assert_eq!(
            delete_cookie_line(&CookieConfig::builder().same_site(None).build().unwrap()),
            "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/"
        );
    }

    #[test]
    fn paths_keep_exactly_pythons_safe_characters() {
        // `urllib.parse.quote`'s always-safe characters plus Werkzeug's `safe` argument.
        let safe = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~%!$&'()*+,/:=@";
        for byte in 0..=127u8 {
            let mut out = String::new();
            push_quoted_path(&char::from(byte).to_string(), &mut out);
            let expected =
                if safe.contains(&byte) { char::from(byte).to_string() } else { format!("%{byte:02X}") };
            assert_eq!(out, expected, "{byte:#04x}");
        }
    }

    #[test]
    fn dates_httpdate_cannot_format_are_clock_errors() {
        assert_eq!(http_date(YEAR_10000 - 1).unwrap().to_string(), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert!(matches!(http_date(YEAR_10000), Err(Error::Clock)));
        assert!(matches!(http_date(u64::MAX), Err(Error::Clock)));
    }
}
