//! The session envelope: the user's data plus the permanent flag and the flash messages, and the
//! comparison that decides whether a session really changed.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::flash::Flash;
use crate::format::Format;

/// The native envelope as written: `{"v":DATA}` plus `"p":true` when permanent and `"f":[…]` when
/// there are flashes, so the common case stays short.
#[derive(Serialize)]
struct EnvelopeRef<'a, T> {
    v: &'a T,
    #[serde(skip_serializing_if = "is_false")]
    p: bool,
    #[serde(skip_serializing_if = "<[Flash]>::is_empty")]
    f: &'a [Flash],
}

/// The native envelope as read. Unknown keys are ignored so a later version may add some.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct EnvelopeOwned<T> {
    v: T,
    #[serde(default)]
    p: bool,
    #[serde(default)]
    f: Vec<Flash>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The decoded parts of an envelope.
pub(crate) struct Decoded<T> {
    pub(crate) data: T,
    pub(crate) permanent: bool,
    pub(crate) flashes: Vec<Flash>,
}

/// The payload of a session in `format`: the native envelope, or Flask's flat session dict
/// (the data's keys plus `_permanent` and `_flashes`).
pub(crate) fn encode<T: Serialize>(
    format: Format,
    data: &T,
    permanent: bool,
    flashes: &[Flash],
) -> Result<Vec<u8>, Error> {
    match format {
        Format::Native => serde_json::to_vec(&EnvelopeRef { v: data, p: permanent, f: flashes })
            .map_err(|e| Error::Serialize(e.to_string())),
        #[cfg(feature = "flask")]
        Format::Flask => crate::flask::encode_session(data, permanent, flashes),
    }
}

/// The inverse of [`encode`]; `None` when the payload does not decode into `T`.
pub(crate) fn decode<T: DeserializeOwned>(format: Format, payload: &[u8]) -> Option<Decoded<T>> {
    match format {
        Format::Native => {
            let envelope: EnvelopeOwned<T> = serde_json::from_slice(payload).ok()?;
            Some(Decoded { data: envelope.v, permanent: envelope.p, flashes: envelope.f })
        }
        #[cfg(feature = "flask")]
        Format::Flask => {
            let (data, permanent, flashes) = crate::flask::decode_session(payload)?;
            Some(Decoded { data, permanent, flashes })
        }
    }
}

/// Whether two payloads hold the same JSON value. Equal bytes are equal; different lengths are
/// different (reordering map entries keeps the length). Same length but different bytes is
/// compared as parsed values, whose maps are ordered, so a `HashMap` field serialized in another
/// order does not count as a change.
pub(crate) fn same_json(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    if a.len() != b.len() {
        return false;
    }
    match (serde_json::from_slice::<serde_json::Value>(a), serde_json::from_slice::<serde_json::Value>(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_envelope() {
        assert_eq!(encode(Format::Native, &1u8, false, &[]).unwrap(), br#"{"v":1}"#);
        assert_eq!(
            encode(Format::Native, &1u8, true, &[Flash::new("message", "hi")]).unwrap(),
            br#"{"v":1,"p":true,"f":[["message","hi"]]}"#
        );
        let decoded: Decoded<u8> = decode(Format::Native, br#"{"f":[["a","b"]],"v":3,"x":0}"#).unwrap();
        assert_eq!(
            (decoded.data, decoded.permanent, decoded.flashes),
            (3, false, vec![Flash::new("a", "b")])
        );
        assert!(decode::<u8>(Format::Native, br#"{"v":"three"}"#).is_none());
    }

    #[test]
    fn reordered_maps_are_the_same() {
        assert!(same_json(br#"{"a":1,"b":2}"#, br#"{"b":2,"a":1}"#));
        assert!(!same_json(br#"{"a":1,"b":2}"#, br#"{"a":2,"b":1}"#));
        assert!(!same_json(br#"{"a":1}"#, br#"{"a":10}"#));
    }
}
