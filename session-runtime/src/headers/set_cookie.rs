//! `Set-Cookie` lines in Werkzeug's `dump_cookie` attribute order:
//! `name=value; Domain=…; Expires=…; Max-Age=…; Secure; HttpOnly; Path=…; SameSite=…; Partitioned`.

use std::io::Write;
use std::time::{Duration, UNIX_EPOCH};

use httpdate::HttpDate;

use crate::config::CookieConfig;
use crate::error::Error;
use crate::format::ascii_text;

/// A session cookie: `line` holds `name=VALUE` (the signer leaves room for the rest), the
/// attributes are appended to it. `expires_at` (Unix seconds) and `max_age` only for permanent
/// sessions. A save allocates one buffer for its `Set-Cookie` line and never moves it.
pub(crate) fn render_set(
    config: &CookieConfig,
    mut line: Vec<u8>,
    expires_at: Option<u64>,
    max_age: Option<u64>,
) -> Result<String, Error> {
    let expires = expires_at.map(http_date).transpose()?;
    push_attributes(config, &mut line, expires, max_age);
    ascii_text(line)
}

/// The delete cookie: empty value, the epoch `Expires`, `Max-Age=0`, and the same domain, path,
/// secure, http_only, same_site and partitioned as the cookie it deletes.
pub(crate) fn render_delete(config: &CookieConfig) -> String {
    let mut line = Vec::with_capacity(config.name().len() + 128);
    line.extend_from_slice(config.name().as_bytes());
    line.push(b'=');
    push_attributes(config, &mut line, Some(HttpDate::from(UNIX_EPOCH)), Some(0));
    // Name and attributes passed the config rules (visible ASCII), so this is never empty.
    ascii_text(line).unwrap_or_default()
}

/// The `Set-Cookie` line for a session cookie with `value`, in Werkzeug's attribute order, for
/// custom [`SessionInterface`](crate::SessionInterface)s. `expires_at` is Unix seconds; give it
/// and `max_age` for permanent sessions only.
///
/// ```
/// use session_runtime::{headers::set_cookie_line, CookieConfig};
/// let line = set_cookie_line(&CookieConfig::DEFAULT, "abc", None, None).unwrap();
/// assert_eq!(line, "session=abc; HttpOnly; Path=/; SameSite=Lax");
/// ```
pub fn set_cookie_line(
    config: &CookieConfig,
    value: &str,
    expires_at: Option<u64>,
    max_age: Option<u64>,
) -> Result<String, Error> {
    let mut line = Vec::with_capacity(config.name().len() + 1 + value.len() + 128);
    line.extend_from_slice(config.name().as_bytes());
    line.push(b'=');
    line.extend_from_slice(value.as_bytes());
    render_set(config, line, expires_at, max_age)
}

/// The `Set-Cookie` line that deletes the session cookie, repeating its attributes.
///
/// ```
/// use session_runtime::{headers::delete_cookie_line, CookieConfig};
/// assert!(delete_cookie_line(&CookieConfig::DEFAULT).contains("Max-Age=0"));
/// ```
pub fn delete_cookie_line(config: &CookieConfig) -> String {
    render_delete(config)
}

fn push_attributes(
    config: &CookieConfig,
    line: &mut Vec<u8>,
    expires: Option<HttpDate>,
    max_age: Option<u64>,
) {
    if let Some(domain) = config.domain() {
        line.extend_from_slice(b"; Domain=");
        line.extend_from_slice(domain.trim_start_matches('.').as_bytes());
    }
    // Writing to a Vec cannot fail.
    if let Some(expires) = expires {
        let _ = write!(line, "; Expires={expires}");
    }
    if let Some(max_age) = max_age {
        let _ = write!(line, "; Max-Age={max_age}");
    }
    if config.secure() || config.partitioned() {
        line.extend_from_slice(b"; Secure");
    }
    if config.http_only() {
        line.extend_from_slice(b"; HttpOnly");
    }
    line.extend_from_slice(b"; Path=");
    push_quoted_path(config.path(), line);
    if let Some(same_site) = config.same_site() {
        line.extend_from_slice(b"; SameSite=");
        line.extend_from_slice(same_site.as_str().as_bytes());
    }
    if config.partitioned() {
        line.extend_from_slice(b"; Partitioned");
    }
}

/// `urllib.parse.quote(path, safe="%!$&'()*+,/:=@")`, as Werkzeug writes paths. Config rules
/// already exclude `;`, `,`, whitespace, controls and non-ASCII.
fn push_quoted_path(path: &str, out: &mut Vec<u8>) {
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"_.-~%!$&'()*+,/:=@".contains(&byte) {
            out.push(byte);
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
            render_set(&config, b"session=v".to_vec(), Some(1_702_678_400), None).unwrap(),
            "session=v; Domain=example.com; Expires=Fri, 15 Dec 2023 22:13:20 GMT; Secure; HttpOnly; Path=/app%5Bx%5D; SameSite=Lax; Partitioned"
        );
        assert_eq!(
            render_delete(&CookieConfig::builder().same_site(None).build().unwrap()),
            "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/"
        );
    }

    #[test]
    fn dates_httpdate_cannot_format_are_clock_errors() {
        assert_eq!(http_date(YEAR_10000 - 1).unwrap().to_string(), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert!(matches!(http_date(YEAR_10000), Err(Error::Clock)));
        assert!(matches!(http_date(u64::MAX), Err(Error::Clock)));
    }
}
