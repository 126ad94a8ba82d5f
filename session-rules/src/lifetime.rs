//! Lifetimes written as text: `"31d"`, `"12h30m"`, `"90s"`, `"1w2d"` or `"3600"`.

use crate::problem::Problem;
use crate::rules::lifetime_problem;

/// Parses a lifetime: whole numbers with units `w`, `d`, `h`, `m`, `s` in that order, each at
/// most once (`"1w2d"`, `"12h30m"`, `"90s"`), or bare digits meaning seconds. The result must lie
/// in 1 second ..= 400 days ([`Rule::Lifetime`](crate::Rule::Lifetime)).
///
/// ```
/// use session_rules::{Problem, parse_lifetime};
/// assert_eq!(parse_lifetime("12h30m"), Ok(45_000));
/// assert_eq!(parse_lifetime("90"), Ok(90));
/// assert_eq!(parse_lifetime("0s"), Err(Problem::LifetimeZero));
/// assert_eq!(parse_lifetime("401d"), Err(Problem::LifetimeTooLong(401 * 86_400)));
/// assert_eq!(parse_lifetime("5x"), Err(Problem::LifetimeSyntax("5x")));
/// ```
pub fn parse_lifetime(text: &str) -> Result<u64, Problem<&str>> {
    let seconds = parse_units(text).ok_or(Problem::LifetimeSyntax(text))?;
    match lifetime_problem(seconds) {
        Some(problem) => Err(problem),
        None => Ok(seconds),
    }
}

/// Parses `refresh_after` for a session of `lifetime` seconds: a duration as [`parse_lifetime`]
/// reads it, or a whole percentage of the lifetime from `"1%"` to `"99%"` (at least one second).
/// Whether it is shorter than the lifetime is [`Rule::RefreshAfter`](crate::Rule::RefreshAfter)'s
/// question.
///
/// ```
/// use session_rules::{Problem, parse_refresh_after};
/// assert_eq!(parse_refresh_after("20%", 86_400), Ok(17_280));
/// assert_eq!(parse_refresh_after("1h", 86_400), Ok(3_600));
/// assert_eq!(parse_refresh_after("100%", 86_400), Err(Problem::RefreshAfterSyntax("100%")));
/// ```
pub fn parse_refresh_after(text: &str, lifetime: u64) -> Result<u64, Problem<&str>> {
    let syntax = Problem::RefreshAfterSyntax(text);
    match text.strip_suffix('%') {
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            let percent: u64 = digits.parse().map_err(|_| syntax)?;
            if !(1..=99).contains(&percent) {
                return Err(syntax);
            }
            Ok((lifetime.saturating_mul(percent) / 100).max(1))
        }
        Some(_) => Err(syntax),
        None => parse_units(text).filter(|&seconds| seconds > 0).ok_or(syntax),
    }
}

/// Parses `max_lifetime`, the absolute limit of a session, as [`parse_lifetime`] reads a
/// lifetime (at least one second). Whether it lies between the lifetime and 400 days is
/// [`Rule::MaxLifetime`](crate::Rule::MaxLifetime)'s question.
///
/// ```
/// use session_rules::{Problem, parse_max_lifetime};
/// assert_eq!(parse_max_lifetime("30d"), Ok(2_592_000));
/// assert_eq!(parse_max_lifetime("0s"), Err(Problem::MaxLifetimeSyntax("0s")));
/// ```
pub fn parse_max_lifetime(text: &str) -> Result<u64, Problem<&str>> {
    parse_units(text).filter(|&seconds| seconds > 0).ok_or(Problem::MaxLifetimeSyntax(text))
}

/// The number of seconds `text` spells, or `None` when it is malformed or overflows a `u64`.
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
    // Units must come in the order of `UNITS`, each at most once: `1h30m`, never `30m1h` or `1h1h`.
    let mut next_unit = 0;
    let mut rest = bytes;
    while !rest.is_empty() {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (number, tail) = rest.split_at_checked(digits)?;
        let (&unit, tail) = tail.split_first()?;
        let number: u64 = core::str::from_utf8(number).ok()?.parse().ok()?;
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
    use crate::settings::MAX_LIFETIME;

    #[test]
    fn units() {
        assert_eq!(parse_lifetime("31d"), Ok(31 * 86_400));
        assert_eq!(parse_lifetime("12h30m"), Ok(45_000));
        assert_eq!(parse_lifetime("90s"), Ok(90));
        assert_eq!(parse_lifetime("3600"), Ok(3600));
        assert_eq!(parse_lifetime("1w2d3h4m5s"), Ok(604_800 + 2 * 86_400 + 3 * 3_600 + 4 * 60 + 5));
        assert_eq!(parse_lifetime("400d"), Ok(MAX_LIFETIME));
        assert_eq!(parse_lifetime("1s"), Ok(1));
    }

    #[test]
    fn malformed() {
        for bad in [
            "",
            "d",
            "30m1h",
            "1h1h",
            "1 h",
            "5x",
            "-1s",
            "1.5h",
            "3 days",
            "+5",
            "1d ",
            "99999999999999999999d",
        ] {
            assert_eq!(parse_lifetime(bad), Err(Problem::LifetimeSyntax(bad)), "{bad:?}");
        }
        // Overflow of a number times its unit, and of bare digits.
        assert_eq!(parse_units("18446744073709551615w"), None);
        assert_eq!(parse_units("99999999999999999999"), None);
    }

    #[test]
    fn refresh_after() {
        assert_eq!(parse_refresh_after("20%", 100), Ok(20));
        assert_eq!(parse_refresh_after("1%", 50), Ok(1), "at least one second");
        assert_eq!(parse_refresh_after("99%", 100), Ok(99));
        assert_eq!(parse_refresh_after("90s", 100), Ok(90));
        assert_eq!(parse_refresh_after("600", 100), Ok(600), "the range is the rule's question");
        for bad in ["", "%", "0%", "100%", "-5%", "5.5%", "20 %", "0s", "0", "soon"] {
            assert_eq!(parse_refresh_after(bad, 100), Err(Problem::RefreshAfterSyntax(bad)), "{bad:?}");
        }
    }

    #[test]
    fn max_lifetime() {
        assert_eq!(parse_max_lifetime("12h30m"), Ok(45_000));
        assert_eq!(parse_max_lifetime("401d"), Ok(401 * 86_400), "the range is the rule's question");
        for bad in ["", "0", "0s", "20%", "soon", "1d1w"] {
            assert_eq!(parse_max_lifetime(bad), Err(Problem::MaxLifetimeSyntax(bad)), "{bad:?}");
        }
    }

    #[test]
    fn out_of_range() {
        assert_eq!(parse_lifetime("0"), Err(Problem::LifetimeZero));
        assert_eq!(parse_lifetime("0w0d"), Err(Problem::LifetimeZero));
        assert_eq!(parse_lifetime("400d1s"), Err(Problem::LifetimeTooLong(MAX_LIFETIME + 1)));
        assert_eq!(parse_lifetime("18446744073709551615"), Err(Problem::LifetimeTooLong(u64::MAX)));
    }
}
