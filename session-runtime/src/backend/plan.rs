//! The second phase of the seam: a [`SavePlan`] (pure: the decision taken, the cookie line
//! rendered, the store calls listed), and the [`SaveOutcome`] its commit
//! ([`Committing`](super::Committing)) gives, which is written into the response in one place.

use std::time::Duration;

use super::store::SaveMode;
use super::token::SessionId;
use crate::config::CookieConfig;
use crate::error::Error;
use crate::headers::{CookieSink, delete_cookie_line};

/// What a save will do, decided without I/O: the cookie to send, whether `Vary: Cookie` is
/// needed, and (server-side backends) the store calls that must succeed first.
///
/// ```
/// use session_runtime::backend::{PlannedCookie, SavePlan};
/// let plan = SavePlan::new(PlannedCookie::Set("session=abc; Path=/".into()), true);
/// assert_eq!(plan.cookie(), &PlannedCookie::Set("session=abc; Path=/".into()));
/// assert!(plan.vary());
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct SavePlan {
    cookie: PlannedCookie,
    vary: bool,
    steps: Vec<StoreStep>,
}

/// The cookie part of a [`SavePlan`].
///
/// ```
/// use session_runtime::backend::PlannedCookie;
/// assert_ne!(PlannedCookie::Keep, PlannedCookie::Delete);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlannedCookie {
    /// Leave the client's cookie alone.
    Keep,
    /// Send the delete cookie of the session's config.
    Delete,
    /// Send this `Set-Cookie` line.
    Set(String),
}

/// One store call of a server-side save.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StoreStep {
    Save(StoreWrite),
    Touch { id: SessionId, user: Option<String>, ttl: Duration },
    Delete { id: SessionId, user: Option<String> },
}

/// A record write of a server-side save, as planned; the commit runs it (compare-and-set,
/// merged and retried on conflict).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct StoreWrite {
    pub(crate) id: SessionId,
    pub(crate) payload: Vec<u8>,
    pub(crate) mode: SaveMode,
    pub(crate) user: Option<String>,
    pub(crate) previous_user: Option<String>,
    pub(crate) ttl: Duration,
    /// The record as the request opened it: written over only if it still holds this
    /// (compare-and-set), and the base a conflict is merged from.
    pub(crate) expected: Option<Vec<u8>>,
    /// Id rotation: the id this new record replaces, in the same atomic step.
    pub(crate) replaces: Option<SessionId>,
}

impl SavePlan {
    /// A plan without store calls.
    pub fn new(cookie: PlannedCookie, vary: bool) -> Self {
        SavePlan { cookie, vary, steps: Vec::new() }
    }

    /// The cookie to send if every store call succeeds.
    pub fn cookie(&self) -> &PlannedCookie {
        &self.cookie
    }

    /// Whether the response gets `Vary: Cookie` (it always does when a cookie is sent).
    pub fn vary(&self) -> bool {
        self.vary || self.cookie != PlannedCookie::Keep
    }

    pub(crate) fn set_cookie(&mut self, cookie: PlannedCookie) {
        self.cookie = cookie;
    }

    pub(crate) fn push(&mut self, step: StoreStep) {
        self.steps.push(step);
    }

    /// The store calls and what to write once they are done.
    pub(crate) fn into_parts(self) -> (Vec<StoreStep>, PlannedCookie, bool) {
        let vary = self.vary();
        (self.steps, self.cookie, vary)
    }

    /// The outcome of a plan whose store calls are done (or that has none).
    pub fn into_outcome(self, config: &CookieConfig) -> SaveOutcome {
        let vary = self.vary();
        SaveOutcome::new(self.cookie, vary, config)
    }
}

/// What a committed save writes into the response: at most one `Set-Cookie` line, and
/// `Vary: Cookie` when the session was read or a cookie is sent. Every save, on every path and
/// in every framework layer, ends in [`write`](SaveOutcome::write).
///
/// ```
/// use session_runtime::CookieConfig;
/// use session_runtime::backend::{PlannedCookie, SavePlan};
/// let outcome = SavePlan::new(PlannedCookie::Delete, false).into_outcome(&CookieConfig::DEFAULT);
/// let mut response = http::Response::new(());
/// outcome.write(&mut response)?;
/// assert!(response.headers()["set-cookie"].to_str()?.contains("Max-Age=0"));
/// assert_eq!(response.headers()["vary"], "Cookie");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveOutcome {
    line: Option<String>,
    vary: bool,
    report: SaveReport,
}

/// What happened to a server-side save besides the cookie: whether it was merged onto a record
/// another request changed meanwhile, and whether the session had ended (destroyed or revoked
/// while the request ran, so nothing was written and the cookie is deleted). Returned by
/// [`Tracked::save`](crate::Tracked::save); the layers put the reports that say something into
/// the response's extensions ([`SaveReports`](crate::SaveReports)).
///
/// ```
/// use session_runtime::SaveReport;
/// let quiet = SaveReport::default();
/// assert!(!quiet.merged && !quiet.ended);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SaveReport {
    /// Another request wrote the session after this one opened it; this request's changes were
    /// merged onto that newer record (see `ConflictPolicy`).
    pub merged: bool,
    /// The session had ended meanwhile: nothing was written, and the cookie is deleted.
    pub ended: bool,
}

impl SaveReport {
    /// Whether the report says anything beyond "saved as planned".
    pub fn is_notable(&self) -> bool {
        self.merged || self.ended
    }
}

impl SaveOutcome {
    pub(crate) fn new(cookie: PlannedCookie, vary: bool, config: &CookieConfig) -> Self {
        let line = match cookie {
            PlannedCookie::Keep => None,
            PlannedCookie::Delete => Some(delete_cookie_line(config)),
            PlannedCookie::Set(line) => Some(line),
        };
        SaveOutcome { vary: vary || line.is_some(), line, report: SaveReport::default() }
    }

    pub(crate) fn with_report(mut self, report: SaveReport) -> Self {
        self.report = report;
        self
    }

    /// What happened besides the cookie.
    pub fn report(&self) -> SaveReport {
        self.report
    }

    /// The `Set-Cookie` line, if one is sent.
    pub fn line(&self) -> Option<&str> {
        self.line.as_deref()
    }

    /// Appends the `Set-Cookie` line and merges `Cookie` into the response's single `Vary`.
    pub fn write(self, response: &mut dyn CookieSink) -> Result<(), Error> {
        if let Some(line) = self.line {
            response.append_set_cookie(line)?;
        }
        if self.vary {
            response.add_vary_cookie();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_cookie_always_carries_vary() {
        let plan = SavePlan::new(PlannedCookie::Set("s=v".into()), false);
        assert!(plan.vary());
        let outcome = plan.into_outcome(&CookieConfig::DEFAULT);
        assert_eq!(outcome.line(), Some("s=v"));
        let keep = SavePlan::new(PlannedCookie::Keep, false).into_outcome(&CookieConfig::DEFAULT);
        assert_eq!(keep, SaveOutcome { line: None, vary: false, report: SaveReport::default() });
    }
}
