//! Redis URLs as `Debug` and logs show them: without the password.

/// `url` with its password replaced by `***`, for `Debug` and logs. Done on the text, without
/// parsing, so a URL that does not parse (a password with an unescaped `/` or `@`) is redacted
/// too:
///
/// - the userinfo ends at the last `@` of everything after `scheme://`, and everything after the
///   user name's `:` is the password (`redis://:***@host`, `rediss://user:***@host`); userinfo
///   without `:` may be a password written in the user's place, so all of it is hidden;
/// - query parameters whose name contains `pass` (`redis+unix:///run/redis.sock?pass=…`) keep
///   their name only;
/// - text without `scheme://` is not shown at all.
pub(super) fn redacted_url(url: &str) -> String {
    const HIDDEN: &str = "***";
    let Some((scheme, rest)) = url.split_once("://") else { return "<redacted>".to_owned() };
    let (userinfo, host_and_rest) = match rest.rsplit_once('@') {
        Some((userinfo, after)) => (Some(userinfo), after),
        None => (None, rest),
    };
    let mut out = format!("{scheme}://");
    match userinfo.map(|userinfo| userinfo.split_once(':')) {
        Some(Some((user, _password))) => out.push_str(&format!("{user}:{HIDDEN}@")),
        Some(None) => out.push_str(&format!("{HIDDEN}@")),
        None => {}
    }
    let (before_query, query) = match host_and_rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (host_and_rest, None),
    };
    out.push_str(before_query);
    if let Some(query) = query {
        let (query, fragment) = match query.split_once('#') {
            Some((query, fragment)) => (query, Some(fragment)),
            None => (query, None),
        };
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if name.to_ascii_lowercase().contains("pass") => format!("{name}={HIDDEN}"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
        if let Some(fragment) = fragment {
            out.push('#');
            out.push_str(fragment);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_their_password() {
        for (url, shown) in [
            ("redis://user:s3cret@host:6379/0", "redis://user:***@host:6379/0"),
            ("rediss://user:s3cret@host:6380/1", "rediss://user:***@host:6380/1"),
            ("redis://:s3cret@host", "redis://:***@host"),
            ("redis://s3cret@host/", "redis://***@host/"),
            ("redis://127.0.0.1:6379/", "redis://127.0.0.1:6379/"),
            ("redis://user:s3cret@[::1]:6379/0#insecure", "redis://user:***@[::1]:6379/0#insecure"),
            // Do not parse as URLs: an unescaped `/`, `@` or `#` in the password.
            ("redis://user:s3/cret@host/0", "redis://user:***@host/0"),
            ("redis://user:s3@cret@host", "redis://user:***@host"),
            ("redis://user:s3#cret@host", "redis://user:***@host"),
            ("redis://user:s3?cret=1@host", "redis://user:***@host"),
            ("redis+unix:///run/redis.sock?db=2&pass=s3cret", "redis+unix:///run/redis.sock?db=2&pass=***"),
            (
                "unix:///run/redis.sock?user=u&PASSWORD=s3cret#x",
                "unix:///run/redis.sock?user=u&PASSWORD=***#x",
            ),
            ("user:s3cret@host:6379", "<redacted>"),
            ("s3cret", "<redacted>"),
        ] {
            let redacted = redacted_url(url);
            assert_eq!(redacted, shown, "{url}");
            assert!(!redacted.contains("s3"), "{url} → {redacted}");
        }
    }
}
