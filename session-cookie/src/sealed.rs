//! `decode` of a value in session-runtime's encrypted format: inspected with the whole key ring,
//! so the output says which key opened it; without a key, only that it is sealed.

use session_runtime::{Check, Format, Rejection};

use super::{
    Options, Outcome, Usage, backend, config, json_string, now, refusal_detail, rejected, session_text, usage,
};

/// What `decode` prints for an encrypted `value`.
pub(super) fn decode(options: &Options, value: &str) -> Result<Outcome, Usage> {
    if options.format == Some(Format::Flask) {
        return Err(usage(
            "this value is in session-runtime's encrypted format, which is never Flask's: drop --format flask",
        ));
    }
    if options.current.is_none() || options.unsigned {
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
    }
    let now = now(options)?;
    let config = config(options, Format::Native, true)?;
    let inspection = backend(options, now)?.inspect(&config, value.as_bytes());
    let label = |key: Option<usize>| match key {
        Some(0) => "current".to_owned(),
        Some(n) => format!("fallback {n}"),
        None => "unknown".to_owned(),
    };
    match inspection.rejection {
        None => Ok(match session_text(Format::Native, inspection.payload.as_deref().unwrap_or_default()) {
            // The signing time is sealed: it is not shown, as a signed value's is not hidden.
            Ok(session) => Outcome {
                stdout: format!(
                    "{{\"status\":\"ok\",\"format\":\"encrypted\",\"key\":{},\"timestamp\":null,\
                     \"session\":{session}}}\n",
                    json_string(&label(inspection.key))
                ),
                code: 0,
            },
            Err(why) => rejected(
                Rejection::Payload.kind(),
                &format!(
                    "opened with the {} key, but the payload does not decode: {why}",
                    label(inspection.key)
                ),
            ),
        }),
        Some(Rejection::BadSignature) => Ok(rejected(
            Rejection::BadSignature.kind(),
            "no key opens this encrypted value (wrong key or salt, another cookie name, or the value was \
             changed; keys under 32 bytes cannot open it)",
        )),
        Some(rejection) => {
            let mut detail = refusal_detail(&inspection, rejection, &config, options, now);
            if inspection.refused_by() > Some(Check::Signature) {
                detail.push_str(&format!(" (opened with the {} key)", label(inspection.key)));
            }
            Ok(rejected(rejection.kind(), &detail))
        }
    }
}
