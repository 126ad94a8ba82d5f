//! The native envelope as JSON values: what code that handles a payload without its session type
//! (the server-side merge, the user index, the `session-cookie` CLI) reads and writes. The
//! envelope's keys are named here once; the typed writer and reader beside it spell the same
//! keys in their serde attributes.

use serde_json::{Map, Value};

/// The key of the data's version (left out for version 1).
const VERSION: &str = "s";
/// The key of the user's data.
const DATA: &str = "v";
/// The key of the permanent flag (left out when false).
const PERMANENT: &str = "p";
/// The key of the flash messages (left out when there are none).
const FLASHES: &str = "f";
/// The key of the issue time (envelope v2; absent from older envelopes).
const ISSUED_AT: &str = "i";

/// A native envelope (`{"s":…,"v":…,"p":…,"f":…,"i":…}`) as JSON values, each part as found
/// (`None` when absent). Keys it does not know are dropped.
///
/// ```
/// use session_runtime::backend::EnvelopeJson;
/// let envelope = EnvelopeJson::parse(br#"{"v":{"user":"ann"},"p":true,"i":1700000000}"#)?;
/// assert_eq!(envelope.data_field("user"), Some(&serde_json::Value::from("ann")));
/// assert_eq!(envelope.version(), serde_json::Value::from(1));
/// let written = envelope.into_value();
/// assert_eq!(written, serde_json::json!({"v": {"user": "ann"}, "p": true, "i": 1700000000}));
/// # Ok::<(), session_runtime::backend::NotAnEnvelope>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvelopeJson {
    /// `"s"`: the version of the data; absent for version 1.
    pub version: Option<Value>,
    /// `"v"`: the user's data.
    pub data: Option<Value>,
    /// `"p"`: the permanent flag.
    pub permanent: Option<Value>,
    /// `"f"`: the flash messages, `[[category, message], …]`.
    pub flashes: Option<Value>,
    /// `"i"`: when the session was issued, in Unix seconds.
    pub issued_at: Option<Value>,
}

/// A payload that is not a native envelope: not a JSON object, or one without the data (`"v"`).
///
/// ```
/// use session_runtime::backend::EnvelopeJson;
/// assert!(EnvelopeJson::parse(b"[1]").is_err());
/// assert!(EnvelopeJson::parse(br#"{"user":"ann"}"#).is_err(), "Flask's dict is not an envelope");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the payload is not a native envelope {{\"v\": DATA, \"p\": PERMANENT, \"f\": FLASHES}}")]
pub struct NotAnEnvelope;

impl EnvelopeJson {
    /// The envelope in `payload`, which must be a JSON object holding the data (`"v"`).
    pub fn parse(payload: &[u8]) -> Result<Self, NotAnEnvelope> {
        match serde_json::from_slice(payload) {
            Ok(Value::Object(map)) if map.contains_key(DATA) => Ok(Self::from_map(map)),
            _ => Err(NotAnEnvelope),
        }
    }

    /// The envelope parts of a JSON object, whatever it holds (absent parts are `None`).
    pub fn from_map(mut map: Map<String, Value>) -> Self {
        EnvelopeJson {
            version: map.remove(VERSION),
            data: map.remove(DATA),
            permanent: map.remove(PERMANENT),
            flashes: map.remove(FLASHES),
            issued_at: map.remove(ISSUED_AT),
        }
    }

    /// The version of the data: `"s"`, or 1 when absent.
    pub fn version(&self) -> Value {
        self.version.clone().unwrap_or_else(|| Value::from(session_rules::FIRST_VERSION))
    }

    /// The envelope the typed writer would write: the version (only when it is not 1), the data
    /// (`null` when absent), the permanent flag only when true, the flashes only when there are
    /// some, the issue time when known. Its keys serialize in serde_json's map order (sorted),
    /// which puts the version before the data, where the typed reader needs it to migrate.
    pub fn into_value(self) -> Value {
        let mut map = Map::new();
        if let Some(version) = self.version.filter(|version| *version != session_rules::FIRST_VERSION) {
            map.insert(VERSION.into(), version);
        }
        map.insert(DATA.into(), self.data.unwrap_or_default());
        if self.permanent == Some(Value::Bool(true)) {
            map.insert(PERMANENT.into(), Value::Bool(true));
        }
        if let Some(flashes) =
            self.flashes.filter(|flashes| flashes.as_array().is_some_and(|list| !list.is_empty()))
        {
            map.insert(FLASHES.into(), flashes);
        }
        if let Some(issued_at) = self.issued_at {
            map.insert(ISSUED_AT.into(), issued_at);
        }
        Value::Object(map)
    }

    /// The top-level field `field` of the data, if the data is an object that has it.
    pub fn data_field(&self, field: &str) -> Option<&Value> {
        self.data.as_ref()?.get(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_writer_and_the_json_view_agree() {
        let flashes = vec![crate::flash::Flash::new("message", "hi")];
        let written = super::super::encode(
            crate::format::Format::Native,
            3,
            &serde_json::json!({"n": 1}),
            true,
            &flashes,
            Some(7),
            None,
            0,
        )
        .unwrap();
        let view = EnvelopeJson::parse(&written).unwrap();
        assert_eq!(view.version(), Value::from(3));
        assert_eq!(view.data_field("n"), Some(&Value::from(1)));
        let typed: Value = serde_json::from_slice(&written).unwrap();
        let rewritten = serde_json::to_string(&view.into_value()).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&rewritten).unwrap(), typed, "the same envelope");
        assert!(
            rewritten.find("\"s\"") < rewritten.find("\"v\""),
            "the version before the data: {rewritten}"
        );
    }

    #[test]
    fn defaults_are_left_out_and_unknown_keys_dropped() {
        let view = EnvelopeJson::parse(br#"{"x":1,"s":1,"v":2,"p":false,"f":[]}"#).unwrap();
        assert_eq!(view.into_value().to_string(), r#"{"v":2}"#);
        assert_eq!(EnvelopeJson::default().into_value().to_string(), r#"{"v":null}"#);
    }
}
