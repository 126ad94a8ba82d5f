//! Parsing lifetimes such as `"31d"`, `"12h30m"`, `"90s"` or `"3600"`.

use super::MAX_LIFETIME;
use super::rules::ConfigError;

/// Parses a lifetime: whole numbers with units `w`, `d`, `h`, `m`, `s` in that order, each at
/// most once (`"1w2d"`, `"12h30m"`, `"90s"`), or bare digits meaning seconds. The result must lie
/// in 1 second ..= 400 days.
///
/// ```
/// use session_runtime::parse_lifetime;
/// assert_eq!(parse_lifetime("12h30m"), Ok(45_000));
/// assert_eq!(parse_lifetime("90"), Ok(90));
/// assert!(parse_lifetime("0s").is_err());
/// assert!(parse_lifetime("401d").is_err());
/// assert!(parse_lifetime("5x").is_err());
/// ```
pub fn parse_lifetime(text: &str) -> Result<u64, ConfigError> {
    let seconds = parse_units(text).ok_or_else(|| ConfigError::LifetimeSyntax(text.to_owned()))?;
    check_lifetime(seconds)
}

/// Checks a lifetime in seconds: not zero, not beyond 400 days.
pub(crate) fn check_lifetime(seconds: u64) -> Result<u64, ConfigError> {
    match seconds {
        0 => Err(ConfigError::LifetimeZero),
        s if s > MAX_LIFETIME => Err(ConfigError::LifetimeTooLong(s)),
        s => Ok(s),
    }
}

fn parse_units(text: &str) -> Option<u64> {
    const UNITS: [(u8, u64); 5] = [(b'w', 604_800), (b'd', 86_400), (b'h', 3_600), (b'm', 60), (b's', 1)];
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    if bytes.iter().all(u8::is_ascii_digit) {
        return text.parse().ok();
    }
    let mut total: u64 = 0;
    let mut next_unit = 0;
    let mut rest = bytes;
    while !rest.is_empty() {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (number, tail) = rest.split_at_checked(digits)?;
        let (&unit, tail) = tail.split_first()?;
        let number: u64 = std::str::from_utf8(number).ok()?.parse().ok()?;
        let position = UNITS.iter().skip(next_unit).position(|&(u, _)| u == unit)?;
        let (_, scale) = UNITS.get(next_unit + position)?;
        total = total.checked_add(number.checked_mul(*scale)?)?;
        next_unit += position + 1;
        rest = tail;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_lifetime("31d"), Ok(31 * 86_400));
        assert_eq!(parse_lifetime("1w2d3h4m5s"), Ok(604_800 + 2 * 86_400 + 3 * 3_600 + 4 * 60 + 5));
        assert_eq!(parse_lifetime("400d"), Ok(MAX_LIFETIME));
        assert!(parse_lifetime("").is_err());
        assert!(parse_lifetime("d").is_err());
        assert!(parse_lifetime("30m1h").is_err(), "units out of order");
        assert!(parse_lifetime("1h1h").is_err(), "unit twice");
        assert!(parse_lifetime("1 h").is_err());
        assert!(parse_lifetime("99999999999999999999d").is_err());
        assert!(parse_lifetime("-1s").is_err());
    }
}
