//! Store URLs as `Debug`, logs and error messages show them: without the password. One redactor
//! for every store (Redis and PostgreSQL), so a rule fixed for one is fixed for both.

/// `url` with its password replaced by `***`, for `Debug` and logs. Done on the text, without
/// parsing, so a URL that does not parse (a password with an unescaped `/`, `?`, `#` or `@`) is
/// redacted too:
///
/// - the userinfo ends at the last `@` of everything after `scheme://`, and everything after the
///   user name's `:` is the password (`redis://:***@host`, `postgres://app:***@db/app`);
///   userinfo without `:` may be a password written in the user's place, so all of it is hidden;
/// - query parameters whose name contains `pass` (`?password=…`, `redis+unix:///…?pass=…`) keep
///   their name only; a `#fragment` after the query (redis' `#insecure`) ends the last value and
///   is shown as is;
/// - text without `scheme://` is not shown at all.
pub(crate) fn redacted_url(url: &str) -> String {
    const HIDDEN: &str = "***";
    let Some((scheme, rest)) = url.split_once("://") else { return "<redacted>".to_owned() };
    let mut out = format!("{scheme}://");
    let host_and_rest = match rest.rsplit_once('@') {
        Some((userinfo, after)) => {
            match userinfo.split_once(':') {
                Some((user, _password)) => out.push_str(&format!("{user}:{HIDDEN}@")),
                None => out.push_str(&format!("{HIDDEN}@")),
            }
            after
        }
        None => rest,
    };
    let Some((before_query, query)) = host_and_rest.split_once('?') else {
        out.push_str(host_and_rest);
        return out;
    };
    out.push_str(before_query);
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
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every scheme the stores take, with and without a user, a password, a query and a
    /// fragment. The secret is always `s3…`, so one search finds a leak.
    #[test]
    fn urls_are_shown_without_their_password() {
        for (url, shown) in [
            // Redis, one node or TLS.
            ("redis://user:s3cret@host:6379/0", "redis://user:***@host:6379/0"),
            ("rediss://user:s3cret@host:6380/1", "rediss://user:***@host:6380/1"),
            ("redis://:s3cret@host", "redis://:***@host"),
            ("redis://s3cret@host/", "redis://***@host/"),
            ("redis://127.0.0.1:6379/", "redis://127.0.0.1:6379/"),
            ("redis://user:s3cret@[::1]:6379/0#insecure", "redis://user:***@[::1]:6379/0#insecure"),
            ("rediss://host:6380/0?protocol=resp3#insecure", "rediss://host:6380/0?protocol=resp3#insecure"),
            ("redis+unix:///run/redis.sock?db=2&pass=s3cret", "redis+unix:///run/redis.sock?db=2&pass=***"),
            (
                "unix:///run/redis.sock?user=u&PASSWORD=s3cret#x",
                "unix:///run/redis.sock?user=u&PASSWORD=***#x",
            ),
            // PostgreSQL, under both scheme names.
            ("postgres://app:s3cret@db:5432/app", "postgres://app:***@db:5432/app"),
            ("postgresql://:s3cret@db/app", "postgresql://:***@db/app"),
            ("postgres://s3cret@db/app", "postgres://***@db/app"),
            ("postgresql://db/app?sslmode=require", "postgresql://db/app?sslmode=require"),
            (
                "postgres://app@db/app?password=s3cret&sslmode=disable",
                "postgres://***@db/app?password=***&sslmode=disable",
            ),
            ("postgresql://db/app?password=s3cret#frag", "postgresql://db/app?password=***#frag"),
            ("postgres://app:s3cret@db/app#frag", "postgres://app:***@db/app#frag"),
            // Do not parse as URLs: an unescaped `/`, `@`, `#` or `?` in the password.
            ("redis://user:s3/cret@host/0", "redis://user:***@host/0"),
            ("redis://user:s3@cret@host", "redis://user:***@host"),
            ("redis://user:s3#cret@host", "redis://user:***@host"),
            ("redis://user:s3?cret=1@host", "redis://user:***@host"),
            ("postgres://app:s3/cr@et@db/app", "postgres://app:***@db/app"),
            ("postgres://u:s3?x@db/app", "postgres://u:***@db/app"),
            ("postgresql://u:s3#x@db/app?sslmode=require", "postgresql://u:***@db/app?sslmode=require"),
            // No scheme: nothing is shown.
            ("user:s3cret@host:6379", "<redacted>"),
            ("app:s3cret@db", "<redacted>"),
            ("s3cret", "<redacted>"),
        ] {
            let redacted = redacted_url(url);
            assert_eq!(redacted, shown, "{url}");
            assert!(!redacted.contains("s3"), "{url} → {redacted}");
        }
    }
}
