//! The issued-at time of a session and the absolute limit (`max_lifetime`) measured from it.
//!
//! A session is issued at its first save and keeps that time through every refresh and change
//! until it is renewed ([`Tracked::renew`](crate::Tracked::renew)). The native envelope carries it
//! (`"i"`, envelope v2), covered by the MAC or sealed with the data; an envelope written before it
//! existed (v1) takes its cookie's signing time instead and is re-written with it at the next
//! save, so the limit holds for it too from then on (docs/design.md, "Issued-at"). What a save
//! writes is [`SessionState::issued_for_save`](crate::backend::SessionState::issued_for_save).

use crate::config::CookieConfig;
use crate::error::Rejection;
use crate::format::Format;

/// The issue time of an accepted session, as [`accept`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Accepted {
    /// When the session was issued; `None` in the Flask format, which does not carry it.
    pub(crate) at: Option<u64>,
    /// The envelope came without an issue time (v1): the save writes one.
    pub(crate) upgrade: bool,
}

/// Checks the issue time of an accepted payload (`carried`, from its envelope) against the
/// cookie's signing time and `config`'s `max_lifetime`, at `now` (the backend's clock at open):
///
/// - issued more than `skew` seconds after it was signed: `NotYetValid` (the MAC verified, so
///   the bytes are ours: a writer whose clock ran ahead wrote it, which is not tampering; this
///   release never writes an issue time after its signing time, an earlier one could across
///   servers whose clocks differed);
/// - issued longer than `max_lifetime` ago: `SessionTooOld`, however recently it was signed;
/// - no issue time (a v1 envelope): the signing time stands in, and the save writes it.
pub(crate) fn accept(
    carried: Option<u64>,
    signed_at: Option<u64>,
    now: Option<u64>,
    skew: u64,
    config: &CookieConfig,
) -> Result<Accepted, Rejection> {
    let native = matches!(config.format(), Format::Native);
    let at = carried.or(signed_at.filter(|_| native));
    if let (Some(issued), Some(signed)) = (carried, signed_at)
        && issued > signed.saturating_add(skew)
    {
        return Err(Rejection::NotYetValid);
    }
    if let (Some(max), Some(issued)) = (config.max_lifetime_secs(), at)
        && now.unwrap_or(0).saturating_sub(issued) > max
    {
        return Err(Rejection::SessionTooOld);
    }
    Ok(Accepted { at, upgrade: native && carried.is_none() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;
    const DAY: u64 = 86_400;

    fn config() -> CookieConfig {
        CookieConfig::builder().lifetime("1d").max_lifetime("30d").build().unwrap()
    }

    fn accept_at(signed_at: u64, carried: Option<u64>) -> Result<Accepted, Rejection> {
        accept(carried, Some(signed_at), Some(NOW), 0, &config())
    }

    #[test]
    fn the_absolute_limit_is_inclusive_to_the_second() {
        let limit = 30 * DAY;
        let at = |issued| accept_at(NOW, Some(issued)).map(|accepted| accepted.at);
        assert_eq!(at(NOW - limit + 1), Ok(Some(NOW - limit + 1)));
        assert_eq!(at(NOW - limit), Ok(Some(NOW - limit)));
        assert_eq!(at(NOW - limit - 1), Err(Rejection::SessionTooOld));
        assert_eq!(at(0), Err(Rejection::SessionTooOld), "absurdly old");
        let unlimited = CookieConfig::DEFAULT;
        assert!(accept(Some(0), Some(NOW), Some(NOW), 0, &unlimited).is_ok(), "no limit configured");
    }

    #[test]
    fn an_issue_time_after_the_signature_is_refused_beyond_the_skew() {
        assert_eq!(accept_at(NOW - 10, Some(NOW - 9)), Err(Rejection::NotYetValid));
        assert_eq!(accept_at(NOW, Some(u64::MAX)), Err(Rejection::NotYetValid));
        assert!(accept_at(NOW - 10, Some(NOW - 10)).is_ok());
        // Written by a server 5 s ahead, refreshed by one 5 s behind, with a skew of 10 s.
        let skewed = |issued, skew| accept(Some(issued), Some(NOW), Some(NOW), skew, &config());
        assert!(skewed(NOW + 10, 10).is_ok());
        assert_eq!(skewed(NOW + 11, 10), Err(Rejection::NotYetValid));
        assert_eq!(skewed(u64::MAX, u64::MAX).map(|accepted| accepted.at), Ok(Some(u64::MAX)));
    }

    #[test]
    fn an_old_envelope_takes_its_signing_time_and_is_upgraded() {
        assert_eq!(accept_at(NOW - 5, None), Ok(Accepted { at: Some(NOW - 5), upgrade: true }));
        assert_eq!(accept_at(NOW - 30 * DAY - 1, None), Err(Rejection::SessionTooOld));
    }
}
