//! One reader for every check: [`SecureCookieSessionInterface::inspect`] runs the checks the open
//! path runs on one cookie value, in its order and with its own functions (the format's unsign,
//! the envelope's reader, the issue-time rule), and says how each went. Tools are its front (the
//! `session-cookie` CLI); nothing here is on the request path.

use std::fmt;

#[cfg(feature = "flask")]
use serde::de::IgnoredAny;
use serde_json::Value;

use crate::backend::{EnvelopeJson, SessionInterface};
use crate::config::CookieConfig;
use crate::envelope::{self, issued};
use crate::error::Rejection;
use crate::format::{Format, Verified, signed};
use crate::secure_cookie::SecureCookieSessionInterface;

/// One check of the open path, in the order it runs ([`Inspection::checks`]).
///
/// ```
/// use session_runtime::Check;
/// assert!(Check::Signature < Check::Age, "declared in the order the open path runs them");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Check {
    /// The value's length against `max_size` (`TooLarge`).
    Size,
    /// The value's shape and its MAC (signed) or tag (encrypted) under a key of the ring, current
    /// key first (`Malformed`, `BadSignature`, `NotEncrypted`). A signed value whose timestamp is
    /// not canonical is `Malformed` here too.
    Signature,
    /// The signing time against the lifetime and the backend's future skew (`Expired`,
    /// `NotYetValid`).
    Age,
    /// The payload: base64url, inflated under the runtime's cap, then read as the session's
    /// envelope (the Flask format: its session dict) (`Payload`).
    Envelope,
    /// The data's version against the config's schema: older data is migrated, newer data is
    /// `NewerVersion`. Not run in the Flask format, which has no version.
    Version,
    /// The issue time against the signing time, with the backend's future skew (`NotYetValid`).
    /// Not run in the Flask format, which carries no issue time.
    IssueTime,
    /// The issue time against `max_lifetime` (`SessionTooOld`); run only when one is configured.
    MaxLifetime,
}

/// What [`SecureCookieSessionInterface::inspect`] found: each check that ran with its outcome,
/// the first refusal (the one the open path gives), and what the verified value holds.
///
/// `Debug` shows the payload's length, never its content.
///
/// ```
/// use session_runtime::{Check, CookieConfig, FixedClock, Keys, SecretKey, SecureCookieSessionInterface};
/// let backend = SecureCookieSessionInterface::new(Keys::new(SecretKey::try_from(&[7u8; 32][..])?))
///     .with_clock(FixedClock(1_700_000_000));
/// let value = backend.sign_payload(&CookieConfig::DEFAULT, br#"{"v":{"n":1},"i":1700000000}"#)?;
/// let inspection = backend.inspect(&CookieConfig::DEFAULT, value.as_bytes());
/// assert_eq!(inspection.rejection, None);
/// assert_eq!((inspection.key, inspection.signed_at), (Some(0), Some(1_700_000_000)));
/// assert_eq!((inspection.issued_at, inspection.version), (Some(1_700_000_000), Some(1)));
/// assert!(inspection.checks.iter().all(|(_, outcome)| outcome.is_ok()));
/// assert_eq!(inspection.checks.last().map(|(check, _)| *check), Some(Check::IssueTime));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Inspection {
    /// The checks that ran, in order; a refused one is the last.
    pub checks: Vec<(Check, Result<(), Rejection>)>,
    /// The first refusal, exactly as the open path gives it; `None`: the session opens.
    pub rejection: Option<Rejection>,
    /// The ring index of the key that verified the value (0: the current key, then the fallbacks
    /// in order); `None` when none did, or the value was refused before its key was known.
    pub key: Option<usize>,
    /// When the value was signed (encrypted: sealed), in Unix seconds, once a key verified it.
    pub signed_at: Option<u64>,
    /// The issue time the envelope carries (`"i"`); `None` for an envelope written before it
    /// existed (the open path then takes the signing time) and in the Flask format.
    pub issued_at: Option<u64>,
    /// The version the data was written as (`"s"`, 1 when absent); `None` in the Flask format.
    pub version: Option<u32>,
    /// The data is of an older version: the open path migrates it and writes it again.
    pub migrated: bool,
    /// The verified payload: the envelope's JSON (the Flask format: its tagged session dict).
    /// Present once a key verified the value, even when a later check refused it.
    pub payload: Option<Vec<u8>>,
}

impl Inspection {
    /// The check that refused the value, if one did.
    ///
    /// ```
    /// use session_runtime::{Check, CookieConfig, Keys, SecretKey, SecureCookieSessionInterface};
    /// let backend = SecureCookieSessionInterface::new(Keys::new(SecretKey::try_from(&[7u8; 32][..])?));
    /// assert_eq!(backend.inspect(&CookieConfig::DEFAULT, b"garbage").refused_by(), Some(Check::Signature));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn refused_by(&self) -> Option<Check> {
        self.checks.iter().find(|(_, outcome)| outcome.is_err()).map(|&(check, _)| check)
    }

    /// Records `check`'s outcome; a refusal is the inspection's rejection.
    fn record(&mut self, check: Check, outcome: Result<(), Rejection>) -> Result<(), Rejection> {
        self.checks.push((check, outcome));
        if let Err(rejection) = outcome {
            self.rejection = Some(rejection);
        }
        outcome
    }

    /// Takes what a verified value holds.
    fn verified(&mut self, verified: Verified) {
        self.key = Some(verified.key);
        self.signed_at = Some(verified.signed_at);
        self.payload = Some(verified.payload);
    }
}

impl fmt::Debug for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inspection")
            .field("checks", &self.checks)
            .field("rejection", &self.rejection)
            .field("key", &self.key)
            .field("signed_at", &self.signed_at)
            .field("issued_at", &self.issued_at)
            .field("version", &self.version)
            .field("migrated", &self.migrated)
            .field("payload_len", &self.payload.as_ref().map(Vec::len))
            .finish()
    }
}

impl SecureCookieSessionInterface {
    /// Runs every check the open path runs on the cookie `value` for `config`, at the backend's
    /// clock and future skew, and reports each: the size, the shape and MAC or tag over the ring
    /// (which key verified), the signing time against the lifetime, the payload as an envelope,
    /// the data's version against `config`'s schema, the issue time against the signing time and
    /// `max_lifetime`. The first refusal is the [`Rejection`] the open path gives for this value
    /// alone. For tools: the open path does not call it, and a value the age check refused is
    /// verified once more without the age limit, to say when it was signed and under which key.
    ///
    /// The data is read as JSON, not as a session type: a value that a type's own fields refuse
    /// (`Payload` at open) passes here. An empty value, which the open path takes for no cookie
    /// at all, is `Malformed` here. Nothing is counted in the key ring's counts.
    ///
    /// ```
    /// use session_runtime::{Check, CookieConfig, FixedClock, Keys, Rejection, SecretKey, SecureCookieSessionInterface};
    /// let keys = Keys::new(SecretKey::try_from(&[7u8; 32][..])?);
    /// let config = CookieConfig::builder().lifetime("1d").max_lifetime("7d").build()?;
    /// let then = SecureCookieSessionInterface::new(keys.clone()).with_clock(FixedClock(1_700_000_000));
    /// // Issued 8 days before it was last signed: the absolute limit refuses it.
    /// let value = then.sign_payload(&config, br#"{"v":{},"i":1699308800}"#)?;
    /// let inspection = then.inspect(&config, value.as_bytes());
    /// assert_eq!(inspection.rejection, Some(Rejection::SessionTooOld));
    /// assert_eq!(inspection.refused_by(), Some(Check::MaxLifetime));
    /// // A day and a second later, the lifetime refuses it first; the signing time is still known.
    /// let later = SecureCookieSessionInterface::new(keys).with_clock(FixedClock(1_700_086_401));
    /// let inspection = later.inspect(&config, value.as_bytes());
    /// assert_eq!((inspection.rejection, inspection.signed_at), (Some(Rejection::Expired), Some(1_700_000_000)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inspect(&self, config: &CookieConfig, value: &[u8]) -> Inspection {
        let mut inspection = Inspection {
            checks: Vec::new(),
            rejection: None,
            key: None,
            signed_at: None,
            issued_at: None,
            version: None,
            migrated: false,
            payload: None,
        };
        let _ = self.run_checks(config, value, &mut inspection);
        inspection
    }

    /// The checks, in the open path's order ([`Self::unsign`], then what
    /// [`Tracked`](crate::Tracked) does with the payload); stops at the first refusal.
    fn run_checks(
        &self,
        config: &CookieConfig,
        value: &[u8],
        inspection: &mut Inspection,
    ) -> Result<(), Rejection> {
        let now = self.now();
        let skew = self.future_skew();
        let verified = match self.unsign_within(config, value, now, config.lifetime_secs(), skew) {
            Ok(verified) => verified,
            Err(rejection) => return self.explain(config, value, now, rejection, inspection),
        };
        inspection.record(Check::Size, Ok(()))?;
        inspection.record(Check::Signature, Ok(()))?;
        inspection.record(Check::Age, Ok(()))?;
        inspection.verified(verified);
        let payload = inspection.payload.as_deref().unwrap_or_default();
        let native = matches!(config.format(), Format::Native);
        if native {
            let view = EnvelopeJson::parse(payload).ok();
            let number = |value: Option<Value>| value.and_then(|value| value.as_u64());
            inspection.version = view
                .as_ref()
                .and_then(|view| number(Some(view.version())))
                .and_then(|v| u32::try_from(v).ok());
            inspection.issued_at = view.and_then(|view| number(view.issued_at));
        }
        let (migrated, issued_at) = match decode_any(config, payload) {
            Ok(decoded) => decoded,
            Err(Rejection::NewerVersion) => {
                inspection.record(Check::Envelope, Ok(()))?;
                return inspection.record(Check::Version, Err(Rejection::NewerVersion));
            }
            Err(rejection) => return inspection.record(Check::Envelope, Err(rejection)),
        };
        inspection.record(Check::Envelope, Ok(()))?;
        inspection.migrated = migrated;
        if native {
            inspection.record(Check::Version, Ok(()))?;
        }
        // The Flask format carries no issue time: its check is not reported, though it runs.
        match issued::accept(issued_at, inspection.signed_at, now, skew, config) {
            Ok(_) => {
                if native {
                    inspection.record(Check::IssueTime, Ok(()))?;
                }
                inspection.record_max_lifetime(config, Ok(()))
            }
            Err(Rejection::SessionTooOld) => {
                if native {
                    inspection.record(Check::IssueTime, Ok(()))?;
                }
                inspection.record(Check::MaxLifetime, Err(Rejection::SessionTooOld))
            }
            Err(rejection) => inspection.record(Check::IssueTime, Err(rejection)),
        }
    }

    /// Records a refusal of the format's unsign at the check that gave it. A value the age check
    /// refused (or whose signing time could not be read) is opened again without an age limit,
    /// to report its key, its signing time and its payload.
    fn explain(
        &self,
        config: &CookieConfig,
        value: &[u8],
        now: Option<u64>,
        rejection: Rejection,
        inspection: &mut Inspection,
    ) -> Result<(), Rejection> {
        if rejection == Rejection::TooLarge {
            return inspection.record(Check::Size, Err(rejection));
        }
        inspection.record(Check::Size, Ok(()))?;
        let check = match rejection {
            Rejection::Expired | Rejection::NotYetValid => Check::Age,
            Rejection::Payload => Check::Envelope,
            _ => Check::Signature,
        };
        if check != Check::Signature {
            inspection.record(Check::Signature, Ok(()))?;
        }
        if check == Check::Envelope {
            inspection.record(Check::Age, Ok(()))?;
        }
        if check == Check::Age
            && let Ok(verified) = self.unsign_within(config, value, now, u64::MAX, u64::MAX)
        {
            inspection.verified(verified);
        }
        inspection.record(check, Err(rejection))
    }
}

impl Inspection {
    /// Records the `max_lifetime` check when the config has one.
    fn record_max_lifetime(
        &mut self,
        config: &CookieConfig,
        outcome: Result<(), Rejection>,
    ) -> Result<(), Rejection> {
        match config.max_lifetime_secs() {
            Some(_) => self.record(Check::MaxLifetime, outcome),
            None => outcome,
        }
    }
}

/// Whether `payload` decodes as `config`'s envelope: whether its data is of an older version
/// (migrated), and the issue time it carries. The data's own type is the application's, so any data is taken: as a
/// `serde_json::Value` in the native format (refusing what serde_json refuses, such as a float
/// out of range, as a typed open would), and unread in the Flask format, whose tagged values (a
/// tuple, `10**20`) no `Value` holds.
fn decode_any(config: &CookieConfig, payload: &[u8]) -> Result<(bool, Option<u64>), Rejection> {
    // `decode` borrows the payload mutably for a moment (a leading epoch); the inspector's is
    // borrowed from its caller.
    let payload = &mut payload.to_vec();
    match config.format() {
        Format::Native => envelope::decode::<Value>(config.format(), config.schema(), payload)
            .map(|d| (d.migrated, d.issued_at)),
        #[cfg(feature = "flask")]
        Format::Flask => envelope::decode::<IgnoredAny>(config.format(), config.schema(), payload)
            .map(|d| (d.migrated, d.issued_at)),
    }
}

/// What a signed cookie value claims, read WITHOUT any key: its payload (base64url, inflated
/// under the runtime's cap) and its signing time. Anyone can write such a value; only
/// [`SecureCookieSessionInterface::inspect`] says whether it is genuine.
///
/// `Debug` shows the payload's length, never its content.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unverified {
    /// The payload's JSON (native: the envelope; Flask: the tagged session dict).
    pub payload: Vec<u8>,
    /// The signing time the value claims; `None` when its timestamp is not canonical.
    pub signed_at: Option<u64>,
}

impl fmt::Debug for Unverified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unverified")
            .field("payload_len", &self.payload.len())
            .field("signed_at", &self.signed_at)
            .finish()
    }
}

/// Reads a signed cookie value (either signed format) without checking its signature, with the
/// same parts, base64url, inflate cap and timestamp parser as the open path: `Malformed` for a
/// value without the signed layout, `Payload` for a payload that does not decode or inflates past
/// the cap. An encrypted value is `Malformed`: nothing of it is readable without the key.
///
/// ```
/// use session_runtime::{Rejection, inspect_unverified};
/// let claimed = inspect_unverified(b"eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.anything")?;
/// assert_eq!((claimed.payload.as_slice(), claimed.signed_at), (&br#"{"user_id":42}"#[..], Some(1_700_000_000)));
/// assert_eq!(inspect_unverified(b"no dots"), Err(Rejection::Malformed));
/// # Ok::<(), Rejection>(())
/// ```
pub fn inspect_unverified(value: &[u8]) -> Result<Unverified, Rejection> {
    let (payload, signed_at) = signed::unverified(value)?;
    Ok(Unverified { payload, signed_at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::config::Schema;
    use crate::key::{Keys, SecretKey};
    use crate::tracked::Tracked;
    use std::sync::Arc;

    const NOW: u64 = 1_700_000_000;

    fn key(byte: u8) -> SecretKey {
        SecretKey::try_from(&[byte; 32][..]).unwrap()
    }

    fn backend(at: u64, skew: u64) -> SecureCookieSessionInterface {
        SecureCookieSessionInterface::new(Keys::new(key(1)).with_fallbacks([key(2)]))
            .with_clock(FixedClock(at))
            .with_future_skew(skew)
    }

    fn limited() -> CookieConfig {
        CookieConfig::builder().lifetime("1d").max_lifetime("7d").build().unwrap()
    }

    fn older(from: u32, data: Value) -> Option<Value> {
        (from == 1).then_some(data)
    }

    /// `payload` signed (or sealed, by `config`) at `at` under fallback key `fallback`.
    fn value(config: &CookieConfig, payload: &str, at: u64, fallback: bool) -> String {
        let keys = Keys::new(key(if fallback { 2 } else { 1 }));
        SecureCookieSessionInterface::new(keys)
            .with_clock(FixedClock(at))
            .sign_payload(config, payload.as_bytes())
            .unwrap()
    }

    fn checks(inspection: &Inspection) -> Vec<Check> {
        inspection.checks.iter().map(|(check, _)| *check).collect()
    }

    /// What the open path gives for `value`: the rejection a handle reports.
    fn opened(
        backend: &SecureCookieSessionInterface,
        config: &CookieConfig,
        value: &str,
    ) -> Option<Rejection> {
        let request =
            http::Request::builder().header("cookie", format!("{}={value}", config.name())).body(()).unwrap();
        Tracked::<Value>::open_with(Arc::new(backend.clone()), config.clone(), &request).rejection()
    }

    #[test]
    fn every_check_passes_in_order_for_a_good_value() {
        for config in [limited(), limited().to_builder().encrypted(true).build().unwrap()] {
            let value = value(&config, r#"{"v":{"n":1},"i":1699999000}"#, NOW - 10, true);
            let inspection = backend(NOW, 0).inspect(&config, value.as_bytes());
            assert_eq!(inspection.rejection, None);
            assert_eq!(
                checks(&inspection),
                [
                    Check::Size,
                    Check::Signature,
                    Check::Age,
                    Check::Envelope,
                    Check::Version,
                    Check::IssueTime,
                    Check::MaxLifetime
                ]
            );
            assert_eq!(
                (inspection.key, inspection.signed_at, inspection.issued_at),
                (Some(1), Some(NOW - 10), Some(1_699_999_000))
            );
            assert_eq!(inspection.payload.as_deref(), Some(&br#"{"v":{"n":1},"i":1699999000}"#[..]));
            assert!(!format!("{inspection:?}").contains("\"n\""), "Debug shows no payload");
        }
    }

    #[test]
    fn each_refusal_is_the_open_paths_at_its_check() {
        let config = limited();
        let sealed = config.to_builder().encrypted(true).build().unwrap();
        let small = config.to_builder().max_size(60).build().unwrap();
        let good = r#"{"v":{"n":1},"i":1700000000}"#;
        let v2 = config.clone().with_schema(Schema::new(2, Some(older)));
        let cases: Vec<(&CookieConfig, String, u64, Rejection, Check)> = vec![
            (&small, value(&config, good, NOW, false), 0, Rejection::TooLarge, Check::Size),
            (&config, "garbage".into(), 0, Rejection::Malformed, Check::Signature),
            (
                &config,
                value(&config, good, NOW, false).replace(".Z", ".Y"),
                0,
                Rejection::BadSignature,
                Check::Signature,
            ),
            (&sealed, value(&config, good, NOW, false), 0, Rejection::NotEncrypted, Check::Signature),
            (&config, value(&config, good, NOW - 86_401, false), 0, Rejection::Expired, Check::Age),
            (&config, value(&config, good, NOW + 5, false), 0, Rejection::NotYetValid, Check::Age),
            (&config, value(&config, r#"{"x":1}"#, NOW, false), 0, Rejection::Payload, Check::Envelope),
            (
                &config,
                value(&config, r#"{"s":2,"v":{}}"#, NOW, false),
                0,
                Rejection::NewerVersion,
                Check::Version,
            ),
            (
                &config,
                value(&config, r#"{"v":{},"i":1700000005}"#, NOW, false),
                0,
                Rejection::NotYetValid,
                Check::IssueTime,
            ),
            (
                &config,
                value(&config, r#"{"v":{},"i":1699395199}"#, NOW, false),
                0,
                Rejection::SessionTooOld,
                Check::MaxLifetime,
            ),
            (&v2, value(&config, r#"{"s":3,"v":{}}"#, NOW, true), 0, Rejection::NewerVersion, Check::Version),
        ];
        for (config, value, skew, rejection, check) in cases {
            let backend = backend(NOW, skew);
            let inspection = backend.inspect(config, value.as_bytes());
            assert_eq!(
                (inspection.rejection, inspection.refused_by()),
                (Some(rejection), Some(check)),
                "{value}"
            );
            assert_eq!(checks(&inspection).last(), Some(&check), "{value}: refusal ends the list");
            assert_eq!(opened(&backend, config, &value), Some(rejection), "{value}: the open path agrees");
        }
    }

    #[test]
    fn skew_migration_and_the_age_explained() {
        let config = limited();
        // An issue time 5 s after the signature, within a skew of 10 s: accepted, as at open.
        let ahead = value(&config, r#"{"v":{},"i":1700000005}"#, NOW, false);
        assert_eq!(backend(NOW, 10).inspect(&config, ahead.as_bytes()).rejection, None);
        assert_eq!(opened(&backend(NOW, 10), &config, &ahead), None);
        // Older data with a migration: accepted, migrated, its version reported.
        let v2 = config.clone().with_schema(Schema::new(2, Some(older)));
        let old = value(&config, r#"{"v":{"n":1}}"#, NOW, false);
        let inspection = backend(NOW, 0).inspect(&v2, old.as_bytes());
        assert_eq!((inspection.rejection, inspection.migrated, inspection.version), (None, true, Some(1)));
        assert_eq!(inspection.issued_at, None, "no issue time carried");
        // Expired: the key and the signing time are still reported.
        let expired = value(&config, r#"{"v":{}}"#, NOW - 100_000, true);
        let inspection = backend(NOW, 0).inspect(&config, expired.as_bytes());
        assert_eq!(inspection.rejection, Some(Rejection::Expired));
        assert_eq!((inspection.key, inspection.signed_at), (Some(1), Some(NOW - 100_000)));
        // No keys: nothing verifies.
        let inspection = SecureCookieSessionInterface::without_keys().inspect(&config, expired.as_bytes());
        assert_eq!(inspection.rejection, Some(Rejection::BadSignature));
    }

    #[test]
    fn unverified_values_use_the_runtime_cap_and_parser() {
        let config = CookieConfig::DEFAULT;
        let big = format!(r#"{{"v":"{}"}}"#, "a".repeat(2_000));
        let claimed = inspect_unverified(value(&config, &big, NOW, false).as_bytes()).unwrap();
        assert_eq!((claimed.payload, claimed.signed_at), (big.into_bytes(), Some(NOW)));
        assert_eq!(inspect_unverified(b"e30.AGVT8QA.x").map(|c| c.signed_at), Ok(None), "non-canonical");
        let bomb = crate::format::compress::zlib(&vec![b' '; crate::limits::MAX_SESSION_JSON + 1]).unwrap();
        let mut text = String::from(".");
        crate::format::base64url::encode_into(&bomb, &mut text);
        text.push_str(".ZVPxAA.x");
        assert_eq!(inspect_unverified(text.as_bytes()), Err(Rejection::Payload));
        let sealed = value(&config.to_builder().encrypted(true).build().unwrap(), "{}", NOW, false);
        assert_eq!(inspect_unverified(sealed.as_bytes()), Err(Rejection::Malformed));
    }
}
