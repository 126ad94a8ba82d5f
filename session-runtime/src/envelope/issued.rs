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
/// - issued after it was signed: `Malformed` (no honest writer does that);
/// - issued longer than `max_lifetime` ago: `SessionTooOld`, however recently it was signed;
/// - no issue time (a v1 envelope): the signing time stands in, and the save writes it.
pub(crate) fn accept(
    carried: Option<u64>,
    signed_at: Option<u64>,
    now: Option<u64>,
    config: &CookieConfig,
) -> Result<Accepted, Rejection> {
    let native = matches!(config.format(), Format::Native);
    let at = carried.or(signed_at.filter(|_| native));
    if let (Some(issued), Some(signed)) = (carried, signed_at)
        && issued > signed
    {
        return Err(Rejection::Malformed);
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
        accept(carried, Some(signed_at), Some(NOW), &config())
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
        assert!(accept(Some(0), Some(NOW), Some(NOW), &unlimited).is_ok(), "no limit configured");
    }

    #[test]
    fn an_issue_time_after_the_signature_is_refused() {
        assert_eq!(accept_at(NOW - 10, Some(NOW - 9)), Err(Rejection::Malformed));
        assert_eq!(accept_at(NOW, Some(u64::MAX)), Err(Rejection::Malformed));
        assert!(accept_at(NOW - 10, Some(NOW - 10)).is_ok());
    }

    #[test]
    fn an_old_envelope_takes_its_signing_time_and_is_upgraded() {
        assert_eq!(accept_at(NOW - 5, None), Ok(Accepted { at: Some(NOW - 5), upgrade: true }));
        assert_eq!(accept_at(NOW - 30 * DAY - 1, None), Err(Rejection::SessionTooOld));
    }
}
