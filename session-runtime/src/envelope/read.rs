//! Reading the native envelope with the version in mind: the data of the type's own version is
//! deserialized straight into `T` (the common case costs what it did before versions), older data
//! is kept as a JSON value for the type's migration, and newer data is skipped.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use session_rules::FIRST_VERSION;

use super::Decoded;
use crate::config::Schema;
use crate::error::Rejection;
use crate::flash::Flash;

/// `text` (a native payload) as `T`, migrated when it holds an older version's data. `epoch` is
/// one already read before `text` ([`leading_epoch`]), so that `text` may not give another.
pub(super) fn native<T: DeserializeOwned>(
    text: &str,
    schema: Schema,
    epoch: Option<u64>,
) -> Result<Decoded<T>, Rejection> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let read = Envelope { current: schema.version(), epoch, data: PhantomData::<T> }
        .deserialize(&mut deserializer)
        .and_then(|read| deserializer.end().map(|()| read))
        .map_err(|_| Rejection::Payload)?;
    let (data, migrated) = match read.data {
        Data::Current(data) => (data, false),
        Data::Older(version, value) => {
            let value = schema.migrate(version, value).ok_or(Rejection::Payload)?;
            (T::deserialize(value).map_err(|_| Rejection::Payload)?, true)
        }
        Data::Newer => return Err(Rejection::NewerVersion),
    };
    Ok(Decoded {
        data,
        permanent: read.permanent,
        flashes: read.flashes,
        migrated,
        issued_at: read.issued,
        epoch: read.epoch,
    })
}

/// The epoch a revocable session's envelope starts with, as our writer puts it (`{"e":N,` and
/// the rest, `N` a JSON integer without sign, fraction or leading zero, within `u64`), and the
/// index of the comma after it; `None` for anything else, which serde then reads whole.
pub(super) fn leading_epoch(payload: &[u8]) -> Option<(u64, usize)> {
    const PREFIX: &[u8] = br#"{"e":"#;
    let rest = payload.strip_prefix(PREFIX)?;
    let mut epoch: u64 = 0;
    for (at, &byte) in rest.iter().enumerate() {
        match byte {
            // A leading zero is the whole number.
            b'0'..=b'9' if at == 0 || rest.first() != Some(&b'0') => {
                epoch = epoch.checked_mul(10)?.checked_add(u64::from(byte - b'0'))?;
            }
            b',' if at > 0 => return Some((epoch, PREFIX.len() + at)),
            _ => return None,
        }
    }
    None
}

/// The data as found: of the reader's version, of an older one (with its number), or newer.
enum Data<T> {
    Current(T),
    Older(u32, Value),
    Newer,
}

struct Read<T> {
    data: Data<T>,
    permanent: bool,
    flashes: Vec<Flash>,
    /// The issue time (envelope v2); absent from envelopes written before it existed.
    issued: Option<u64>,
    /// A revocable session's user epoch; absent when 0 or not revocable.
    epoch: Option<u64>,
}

/// The envelope's keys; unknown keys are ignored so a later version may add some.
#[derive(Deserialize)]
#[serde(field_identifier)]
enum Key {
    #[serde(rename = "s")]
    Version,
    #[serde(rename = "v")]
    Data,
    #[serde(rename = "p")]
    Permanent,
    #[serde(rename = "f")]
    Flashes,
    #[serde(rename = "i")]
    Issued,
    #[serde(rename = "e")]
    Epoch,
    #[serde(other)]
    Other,
}

/// Reads an envelope for a type of version `current`.
struct Envelope<T> {
    current: u32,
    /// The epoch read before the envelope's text, if any.
    epoch: Option<u64>,
    data: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Envelope<T> {
    type Value = Read<T>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Read<T>, D::Error> {
        deserializer.deserialize_struct("Envelope", &super::ENVELOPE_KEYS, self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Envelope<T> {
    type Value = Read<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a session envelope")
    }

    /// serde's derive, which this visitor replaced, also read the envelope from an array of its
    /// fields in order (`[data, permanent, flashes]`); we never write one, and only a holder of
    /// the key can sign one (tests/hostile_json.rs documents it). It has no version: version 1.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read<T>, A::Error> {
        let missing = || de::Error::invalid_length(0, &"the session data");
        let data = match FIRST_VERSION.cmp(&self.current) {
            std::cmp::Ordering::Equal => Data::Current(seq.next_element()?.ok_or_else(missing)?),
            _ => Data::Older(FIRST_VERSION, seq.next_element()?.ok_or_else(missing)?),
        };
        let permanent = seq.next_element()?.unwrap_or(false);
        let flashes = seq.next_element()?.unwrap_or_default();
        Ok(Read { data, permanent, flashes, issued: None, epoch: self.epoch })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read<T>, A::Error> {
        let mut version: Option<u32> = None;
        let mut data: Option<Data<T>> = None;
        let mut permanent: Option<bool> = None;
        let mut flashes: Option<Vec<Flash>> = None;
        let mut issued: Option<u64> = None;
        let mut epoch: Option<u64> = self.epoch;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                // We write the version before the data; one after it came from another writer,
                // and the data was already read as version 1.
                Key::Version if version.is_some() => return Err(de::Error::duplicate_field("s")),
                Key::Version if data.is_some() => {
                    return Err(de::Error::custom("the version follows the data"));
                }
                Key::Version => version = Some(map.next_value()?),
                Key::Data if data.is_some() => return Err(de::Error::duplicate_field("v")),
                Key::Data => {
                    let written = version.unwrap_or(FIRST_VERSION);
                    data = Some(match written.cmp(&self.current) {
                        std::cmp::Ordering::Equal => Data::Current(map.next_value()?),
                        std::cmp::Ordering::Less => Data::Older(written, map.next_value()?),
                        std::cmp::Ordering::Greater => {
                            map.next_value::<IgnoredAny>()?;
                            Data::Newer
                        }
                    });
                }
                Key::Permanent if permanent.is_some() => return Err(de::Error::duplicate_field("p")),
                Key::Permanent => permanent = Some(map.next_value()?),
                Key::Flashes if flashes.is_some() => return Err(de::Error::duplicate_field("f")),
                Key::Flashes => flashes = Some(map.next_value()?),
                Key::Issued if issued.is_some() => return Err(de::Error::duplicate_field("i")),
                Key::Issued => issued = Some(map.next_value()?),
                Key::Epoch if epoch.is_some() => return Err(de::Error::duplicate_field("e")),
                Key::Epoch => epoch = Some(map.next_value()?),
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let data = data.ok_or_else(|| de::Error::missing_field("v"))?;
        Ok(Read {
            data,
            permanent: permanent.unwrap_or(false),
            flashes: flashes.unwrap_or_default(),
            issued,
            epoch,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_ten(from: u32, data: Value) -> Option<Value> {
        // Version 1 held a number; version 2 holds ten times it.
        if from == 1 { Some(Value::from(data.as_u64()? * 10)) } else { None }
    }

    const V2: Schema = Schema::new(2, Some(to_ten));

    fn read(text: &str, schema: Schema) -> Result<(u64, bool), Rejection> {
        native::<u64>(text, schema, None).map(|decoded| (decoded.data, decoded.migrated))
    }

    #[test]
    fn versions_are_read_migrated_or_refused() {
        assert_eq!(read(r#"{"v":4}"#, Schema::UNVERSIONED), Ok((4, false)));
        assert_eq!(read(r#"{"s":1,"v":4}"#, Schema::UNVERSIONED), Ok((4, false)));
        assert_eq!(read(r#"{"v":4}"#, V2), Ok((40, true)), "unversioned is version 1");
        assert_eq!(read(r#"{"s":2,"v":4}"#, V2), Ok((4, false)));
        // serde's sequence form of the envelope has no version: version 1.
        assert_eq!(read(r#"[4,true]"#, V2), Ok((40, true)));
        assert_eq!(read(r#"[4]"#, Schema::UNVERSIONED), Ok((4, false)));
        assert_eq!(read(r#"{"s":2,"v":4}"#, Schema::UNVERSIONED), Err(Rejection::NewerVersion));
        assert_eq!(read(r#"{"s":3,"v":"anything"}"#, V2), Err(Rejection::NewerVersion));
        // An older version the chain does not know, or data that does not fit it.
        assert_eq!(read(r#"{"s":0,"v":4}"#, V2), Err(Rejection::Payload));
        assert_eq!(read(r#"{"v":"four"}"#, V2), Err(Rejection::Payload));
        // Malformed envelopes.
        for text in [
            r#"{"v":4,"s":2}"#,
            r#"{"s":2,"s":2,"v":4}"#,
            r#"{"s":-1,"v":4}"#,
            r#"{"s":4294967296,"v":4}"#,
            r#"{"s":"2","v":4}"#,
            r#"{"s":2}"#,
            r#"{"v":4,"v":4}"#,
            r#"{"v":4,"p":true,"p":true}"#,
            r#"{"v":4} x"#,
            r#"[]"#,
            r#"4"#,
        ] {
            assert_eq!(read(text, V2), Err(Rejection::Payload), "{text}");
        }
    }

    #[test]
    fn the_rest_of_the_envelope_is_kept() {
        let decoded = native::<u64>(r#"{"f":[["a","b"]],"v":1,"p":true,"x":[0]}"#, V2, None).ok().unwrap();
        assert_eq!(
            (decoded.data, decoded.permanent, decoded.flashes, decoded.migrated),
            (10, true, vec![Flash::new("a", "b")], true)
        );
    }

    #[test]
    fn the_leading_epoch_is_exactly_a_json_integer_then_a_comma() {
        assert_eq!(leading_epoch(br#"{"e":0,"v":1}"#), Some((0, 6)));
        assert_eq!(leading_epoch(br#"{"e":17,"v":1}"#), Some((17, 7)));
        let max = format!(r#"{{"e":{},"v":1}}"#, u64::MAX);
        assert_eq!(leading_epoch(max.as_bytes()), Some((u64::MAX, 25)));
        // Everything else is left to serde, which reads or refuses it whole.
        let over = format!(r#"{{"e":{}0,"v":1}}"#, u64::MAX);
        for text in [
            over.as_str(),
            r#"{"e":01,"v":1}"#,
            r#"{"e":-1,"v":1}"#,
            r#"{"e":1.0,"v":1}"#,
            r#"{"e":1e3,"v":1}"#,
            r#"{"e":,"v":1}"#,
            r#"{"e":1}"#,
            r#"{"e":1 ,"v":1}"#,
            r#"{ "e":1,"v":1}"#,
            r#"{"v":1,"e":1}"#,
            r#"{"e":"#,
            "",
        ] {
            assert_eq!(leading_epoch(text.as_bytes()), None, "{text}");
        }
    }
}
