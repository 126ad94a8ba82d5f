//! `decode` of a value in session-runtime's encrypted format: opened with each key in turn, so the
//! output says which key opened it; without a key, only that it is sealed.

use session_runtime::{CookieConfig, FixedClock, Format, Keys, Rejection, SecureCookieSessionInterface};

use super::{Options, Outcome, Usage, json_string, now, rejected, session_text, usage};

/// What `decode` prints for an encrypted `value`.
pub(super) fn decode(options: &Options, value: &str) -> Result<Outcome, Usage> {
    if options.format == Some(Format::Flask) {
        return Err(usage(
            "this value is in session-runtime's encrypted format, which is never Flask's: drop --format flask",
        ));
    }
    let Some(current) = options.current.clone().filter(|_| !options.unsigned) else {
        // Nothing of a sealed value is readable without the key: not the data, not the time.
        return Ok(Outcome {
            stdout: format!(
                "{{\"status\":\"sealed\",\"format\":\"encrypted\",\"detail\":{}}}\n",
                json_string(
                    "the value is encrypted (session-runtime's encrypted format v1): nothing of it can be \
                     shown without the key; pass --secret, --secret-hex or --secret-env"
                )
            ),
            code: 1,
        });
    };
    let now = now(options)?;
    let config = CookieConfig::builder()
        .encrypted(true)
        .name(options.name.clone().unwrap_or_else(|| "session".to_owned()))
        .same_site(None)
        .lifetime_secs(options.max_age.unwrap_or(31 * 24 * 3600))
        .build()
        .map_err(|e| usage(e.to_string()))?;
    let labels = std::iter::once("current".to_owned()).chain((1..).map(|n| format!("fallback {n}")));
    let keys = std::iter::once(current).chain(options.fallbacks.iter().cloned());
    // One key at a time (the runtime tries them all at once and does not say which opened).
    for (label, key) in labels.zip(keys) {
        let mut backend = SecureCookieSessionInterface::new(Keys::new(key)).with_clock(FixedClock(now));
        if let Some(salt) = &options.salt {
            backend = backend.with_salt(salt);
        }
        match backend.unsign_payload(&config, value.as_bytes()) {
            Ok(payload) => {
                return Ok(match session_text(Format::Native, &payload) {
                    Ok(session) => Outcome {
                        stdout: format!(
                            "{{\"status\":\"ok\",\"format\":\"encrypted\",\"key\":{},\"timestamp\":null,\
                             \"session\":{session}}}\n",
                            json_string(&label)
                        ),
                        code: 0,
                    },
                    Err(why) => rejected(
                        Rejection::Payload.kind(),
                        &format!("opened with the {label} key, but the payload does not decode: {why}"),
                    ),
                });
            }
            // Another key may open it.
            Err(Rejection::BadSignature) => continue,
            Err(rejection) => {
                let detail = match rejection {
                    Rejection::Expired | Rejection::NotYetValid => format!(
                        "{rejection} (opened with the {label} key; max age {} s, now {now})",
                        config.lifetime_secs()
                    ),
                    _ => rejection.to_string(),
                };
                return Ok(rejected(rejection.kind(), &detail));
            }
        }
    }
    Ok(rejected(
        Rejection::BadSignature.kind(),
        "no key opens this encrypted value (wrong key or salt, another cookie name, or the value was \
         changed; keys under 32 bytes cannot open it)",
    ))
}
