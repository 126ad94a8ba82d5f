//! [`Value`]: any value a Flask session can hold, with Python's types kept apart.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::de::strip_last_two;
use super::tags::{self, Bytes, DateTime, Markup, Tuple, Uuid};

/// Any value a Flask session can hold, as Flask holds it after reading the cookie: the JSON
/// types plus the five tagged ones. Use it for the parts of a session your struct does not type,
/// so a Rust service keeps what a Flask app stored:
///
/// ```
/// use std::collections::BTreeMap;
/// use session_runtime::flask::{self, Value};
///
/// #[derive(serde::Serialize, serde::Deserialize, Default, Debug, PartialEq)]
/// struct Login {
///     user_id: Option<u64>,
///     #[serde(flatten)]
///     rest: BTreeMap<String, Value>, // csrf tokens, Flask-Login's keys, ...
/// }
///
/// let wire = r#"{"_fresh":true,"csrf":{" b":"/w=="},"user_id":7}"#;
/// let login: Login = flask::from_str(wire)?;
/// assert_eq!(login.rest["csrf"], Value::Bytes(vec![0xff]));
/// assert_eq!(flask::to_string(&login)?, wire);
/// # Ok::<(), flask::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `None`.
    #[default]
    Null,
    /// `bool`.
    Bool(bool),
    /// `int` (up to 128 bits).
    Int(i128),
    /// `float`, including `nan` and the infinities.
    Float(f64),
    /// `str`.
    Str(String),
    /// `list`.
    List(Vec<Value>),
    /// `dict` (string keys).
    Dict(BTreeMap<String, Value>),
    /// `tuple` (tag `" t"`).
    Tuple(Vec<Value>),
    /// `bytes` (tag `" b"`).
    Bytes(Vec<u8>),
    /// `markupsafe.Markup` (tag `" m"`).
    Markup(String),
    /// `uuid.UUID` (tag `" u"`).
    Uuid(Uuid),
    /// `datetime.datetime` in UTC (tag `" d"`). A date Werkzeug cannot parse reads as
    /// [`Value::Null`], as in Flask.
    DateTime(DateTime),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => match i64::try_from(*i) {
                Ok(small) => serializer.serialize_i64(small),
                Err(_) => serializer.serialize_i128(*i),
            },
            Value::Float(f) => serializer.serialize_f64(*f),
            Value::Str(s) => serializer.serialize_str(s),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Dict(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            Value::Tuple(items) => Tuple(items).serialize(serializer),
            Value::Bytes(bytes) => Bytes(bytes.clone()).serialize(serializer),
            Value::Markup(text) => Markup(text.clone()).serialize(serializer),
            Value::Uuid(id) => id.serialize(serializer),
            Value::DateTime(at) => at.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value of a Flask session")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        i128::try_from(v).map(Value::Int).map_err(|_| E::custom("integer beyond 128 bits"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
    /// The wire form, untagged as Flask's `_untag_scan` does: children first, then a one-key dict
    /// whose key is a tag becomes the tagged value.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(String, Value)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            entries.push((key, value));
        }
        if let [(key, _)] = entries.as_slice()
            && tags::TAG_KEYS.contains(&key.as_str())
            && let Some((key, value)) = entries.pop()
        {
            return untag(&key, value).map_err(de::Error::custom);
        }
        Ok(Value::Dict(entries.into_iter().collect()))
    }
}

fn untag(key: &str, value: Value) -> Result<Value, String> {
    Ok(match (key, value) {
        (" di", Value::Dict(inner)) => {
            let (first, value) =
                inner.into_iter().next().ok_or_else(|| "empty `\" di\"` escape".to_owned())?;
            Value::Dict(BTreeMap::from([(strip_last_two(&first).to_owned(), value)]))
        }
        (" t", Value::List(items)) => Value::Tuple(items),
        (" b", Value::Str(text)) => Value::Bytes(tags::decode_std_base64(&text).map_err(|e| e.to_string())?),
        (" m", Value::Str(text)) => Value::Markup(text),
        (" u", Value::Str(text)) => Value::Uuid(text.parse().map_err(|e: super::Error| e.to_string())?),
        // Werkzeug's `parse_date` returns None for what it cannot parse.
        (" d", Value::Str(text)) => text.parse().map_or(Value::Null, Value::DateTime),
        (" d", _) => Value::Null,
        (key, _) => return Err(format!("malformed Flask tag {key:?}")),
    })
}
