//! The issued-at time of a session and the absolute limit (`max_lifetime`) measured from it.
//!
//! A session is issued at its first save and keeps that time through every refresh and change
//! until it is renewed ([`Tracked::renew`](crate::Tracked::renew)). The native envelope carries it
//! (`"i"`, envelope v2), covered by the MAC or sealed with the data; an envelope written before it
//! existed (v1) takes its cookie's signing time instead and is re-written with it at the next
//! save, so the limit holds for it too from then on (docs/design.md, "Issued-at").

use crate::backend::OpenedSession;
use crate::clock::{Clock, SystemClock};
use crate::config::CookieConfig;
use crate::error::Rejection;
use crate::format::Format;

/// What a session handle knows of its issue time.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Issued {
    /// When the opened session was issued; `None` for a new session (or the Flask format, which
    /// does not carry it).
    at: Option<u64>,
    /// The backend's clock at open: the issue time of a new or renewed session.
    opened_at: Option<u64>,
    /// The envelope came without an issue time (v1): write one at the next save.
    upgrade: bool,
    /// [`Tracked::renew`](crate::Tracked::renew) was called: issue the session anew at save.
    renewed: bool,
}

impl Issued {
    /// A session with nothing opened: issued at its first save.
    pub(crate) fn new(opened: &OpenedSession) -> Self {
        Issued { opened_at: opened.opened_at, ..Issued::default() }
    }

    /// Checks the issue time of an accepted payload (`carried`, from its envelope) against the
    /// cookie's signing time and `config`'s `max_lifetime`:
    ///
    /// - issued after it was signed: `Malformed` (no honest writer does that);
    /// - issued longer than `max_lifetime` ago: `SessionTooOld`, however recently it was signed;
    /// - no issue time (a v1 envelope): the signing time stands in, and the save writes it.
    pub(crate) fn accept(
        opened: &OpenedSession,
        carried: Option<u64>,
        config: &CookieConfig,
    ) -> Result<Self, Rejection> {
        let native = matches!(config.format(), Format::Native);
        let at = carried.or(opened.signed_at.filter(|_| native));
        if let (Some(issued), Some(signed)) = (carried, opened.signed_at)
            && issued > signed
        {
            return Err(Rejection::Malformed);
        }
        if let (Some(max), Some(issued)) = (config.max_lifetime_secs(), at) {
            let now = opened.opened_at.or_else(|| SystemClock.now_unix()).unwrap_or(0);
            if now.saturating_sub(issued) > max {
                return Err(Rejection::SessionTooOld);
            }
        }
        Ok(Issued { at, opened_at: opened.opened_at, upgrade: native && carried.is_none(), renewed: false })
    }

    /// Issue the session anew at save (sign-in, privilege change).
    pub(crate) fn renew(&mut self) {
        self.renewed = true;
    }

    /// Whether the save must write the payload even if the data did not change: a renewal, or an
    /// envelope that does not yet carry its issue time.
    pub(crate) fn must_write(&self) -> bool {
        self.renewed || self.upgrade
    }

    /// Whether the session was renewed: its cookie is sent even if nothing else changed.
    pub(crate) fn renewed(&self) -> bool {
        self.renewed
    }

    /// The issue time to write at save: the opened one, or now for a new or renewed session.
    pub(crate) fn for_save(&self) -> Option<u64> {
        match self.at {
            Some(at) if !self.renewed => Some(at),
            _ => self.opened_at.or_else(|| SystemClock.now_unix()),
        }
    }

    /// The session's absolute end under `config`, if it has one: no cookie or record outlives it.
    pub(crate) fn ends_at(&self, config: &CookieConfig) -> Option<u64> {
        let max = config.max_lifetime_secs()?;
        self.for_save()?.checked_add(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;
    const DAY: u64 = 86_400;

    fn opened(signed_at: u64) -> OpenedSession {
        OpenedSession { signed_at: Some(signed_at), opened_at: Some(NOW), ..OpenedSession::default() }
    }

    fn config() -> CookieConfig {
        CookieConfig::builder().lifetime("1d").max_lifetime("30d").build().unwrap()
    }

    #[test]
    fn the_absolute_limit_is_inclusive_to_the_second() {
        let limit = 30 * DAY;
        let accept = |issued| Issued::accept(&opened(NOW), Some(issued), &config()).map(|i| i.for_save());
        assert_eq!(accept(NOW - limit + 1), Ok(Some(NOW - limit + 1)));
        assert_eq!(accept(NOW - limit), Ok(Some(NOW - limit)));
        assert_eq!(accept(NOW - limit - 1), Err(Rejection::SessionTooOld));
        assert_eq!(accept(0), Err(Rejection::SessionTooOld), "absurdly old");
        let unlimited = CookieConfig::DEFAULT;
        assert!(Issued::accept(&opened(NOW), Some(0), &unlimited).is_ok(), "no limit configured");
    }

    #[test]
    fn an_issue_time_after_the_signature_is_refused() {
        assert_eq!(
            Issued::accept(&opened(NOW - 10), Some(NOW - 9), &config()).err(),
            Some(Rejection::Malformed)
        );
        assert_eq!(Issued::accept(&opened(NOW), Some(u64::MAX), &config()).err(), Some(Rejection::Malformed));
        assert!(Issued::accept(&opened(NOW - 10), Some(NOW - 10), &config()).is_ok());
    }

    #[test]
    fn an_old_envelope_takes_its_signing_time_and_is_upgraded() {
        let issued = Issued::accept(&opened(NOW - 5), None, &config()).unwrap();
        assert_eq!(issued.for_save(), Some(NOW - 5));
        assert!(issued.must_write());
        let too_old = Issued::accept(&opened(NOW - 30 * DAY - 1), None, &config());
        assert_eq!(too_old.err(), Some(Rejection::SessionTooOld));
    }

    #[test]
    fn renewal_issues_anew_and_moves_the_end() {
        let mut issued = Issued::accept(&opened(NOW - 5), Some(NOW - 20 * DAY), &config()).unwrap();
        assert!(!issued.must_write());
        assert_eq!(issued.ends_at(&config()), Some(NOW + 10 * DAY));
        issued.renew();
        assert!(issued.must_write() && issued.renewed());
        assert_eq!(issued.for_save(), Some(NOW));
        assert_eq!(issued.ends_at(&config()), Some(NOW + 30 * DAY));
        assert_eq!(issued.ends_at(&CookieConfig::DEFAULT), None);
    }
}
