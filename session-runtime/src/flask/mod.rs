//! Flask 3.1's session format (feature `flask`): the tagged JSON Flask signs, the wrapper types
//! for the values it tags, and [`Value`] for untyped parts of a session.
//!
//! Select the format with `#[session(format = "flask")]` or
//! [`CookieConfigBuilder::format`](crate::CookieConfigBuilder::format)`(Format::Flask)`. The
//! session struct is the session dict: its fields are the dict's keys, next to the `_permanent`
//! and `_flashes` keys the handle manages. Keys your struct does not name are dropped when the
//! session is saved, unless you keep them with `#[serde(flatten)] rest: BTreeMap<String, Value>`.
//!
//! ```
//! use session_runtime::flask::{self, DateTime, Tuple};
//!
//! #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
//! struct Cart {
//!     items: Vec<Tuple<(u32, String)>>, // a list of Python tuples
//!     updated: DateTime,
//!     ratio: f64,
//! }
//!
//! let cart = Cart {
//!     items: vec![Tuple((2, "pear".into()))],
//!     updated: DateTime::from_unix(1_700_000_000).unwrap(),
//!     ratio: 1e16,
//! };
//! let json = flask::to_string(&cart)?;
//! assert_eq!(
//!     json,
//!     r#"{"items":[{" t":[2,"pear"]}],"ratio":1e+16,"updated":{" d":"Tue, 14 Nov 2023 22:13:20 GMT"}}"#
//! );
//! assert_eq!(flask::from_str::<Cart>(&json)?, cart);
//! # Ok::<(), flask::Error>(())
//! ```

mod de;
mod json;
mod ser;
mod tags;
mod value;

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use tags::{Bytes, DateTime, Markup, Tuple, Uuid};
pub use value::Value;

use crate::flash::Flash;
use json::Node;

/// Why a value could not be written as, or read from, Flask's tagged JSON.
///
/// ```
/// let err = session_runtime::flask::from_str::<u8>("[1").unwrap_err();
/// assert!(err.to_string().contains("invalid JSON"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl Error {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Error(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// `value` as the exact text Flask's `TaggedJSONSerializer` writes inside an app: tags, the
/// `" di"` escape, sorted keys, compact, `ensure_ascii`, Python float `repr`.
///
/// ```
/// use std::collections::BTreeMap;
/// let map = BTreeMap::from([(" t", "not a tuple")]);
/// assert_eq!(session_runtime::flask::to_string(&map)?, r#"{" di":{" t__":"not a tuple"}}"#);
/// # Ok::<(), session_runtime::flask::Error>(())
/// ```
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let node = ser::to_node(value, false)?;
    let mut out = String::new();
    json::write(&node, &mut out);
    Ok(out)
}

/// Reads Flask's tagged JSON into `T` (the wrapper types read their tags; maps undo the `" di"`
/// escape).
///
/// ```
/// use session_runtime::flask::{self, Bytes};
/// let bytes: Bytes = flask::from_str(r#"{" b":"aGk="}"#)?;
/// assert_eq!(bytes.0, b"hi");
/// # Ok::<(), flask::Error>(())
/// ```
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    from_slice(text.as_bytes())
}

/// [`from_str`] for UTF-8 bytes.
///
/// ```
/// let n: Vec<f64> = session_runtime::flask::from_slice(b"[1.0, NaN, 1e+16]")?;
/// assert!(n[1].is_nan());
/// # Ok::<(), session_runtime::flask::Error>(())
/// ```
pub fn from_slice<T: DeserializeOwned>(text: &[u8]) -> Result<T, Error> {
    let node = json::parse(text)?;
    T::deserialize(de::NodeDe(&node))
}

/// Rewrites JSON text (tags left as they are) exactly as Flask would write it: sorted keys at
/// every level, compact, `ensure_ascii`, Python floats. Accepts what Python's `json.loads`
/// accepts (`NaN`, `Infinity`, integers of any size).
///
/// ```
/// let text = session_runtime::flask::canonical_json(r#"{"b": 1.50, "a": {" t": [1, "é"]}}"#.as_bytes())?;
/// assert_eq!(text, r#"{"a":{" t":[1,"\u00e9"]},"b":1.5}"#);
/// # Ok::<(), session_runtime::flask::Error>(())
/// ```
pub fn canonical_json(text: &[u8]) -> Result<String, Error> {
    json::canonical(text)
}

const PERMANENT_KEY: &str = "_permanent";
const FLASHES_KEY: &str = "_flashes";

/// The session dict Flask signs: the struct's fields, `_permanent` when permanent, `_flashes`
/// when there are flashes, then the top-level `" di"` escape.
pub(crate) fn encode_session<T: Serialize>(
    data: &T,
    permanent: bool,
    flashes: &[Flash],
) -> Result<Vec<u8>, crate::Error> {
    let serialize_error = |e: Error| crate::Error::Serialize(e.to_string());
    let mut entries = match ser::to_node(data, true).map_err(serialize_error)? {
        Node::Dict(entries) => entries,
        Node::Null => Vec::new(),
        _ => {
            return Err(crate::Error::Serialize(
                "a Flask session is a dict: use a struct or a map as the session type".to_owned(),
            ));
        }
    };
    // The rule the derive applies to the field names (session_rules::key_problem), with its message.
    if let Some(problem) = entries.iter().find_map(|(key, _)| session_rules::key_problem(key, true)) {
        return Err(crate::Error::Serialize(problem.to_string()));
    }
    if permanent {
        entries.push((PERMANENT_KEY.to_owned(), Node::Bool(true)));
    }
    if !flashes.is_empty() {
        let list = flashes
            .iter()
            .map(|flash| {
                let pair =
                    Node::List(vec![Node::Str(flash.category.clone()), Node::Str(flash.message.clone())]);
                Node::Dict(vec![(" t".to_owned(), pair)])
            })
            .collect();
        entries.push((FLASHES_KEY.to_owned(), Node::List(list)));
    }
    let mut out = String::new();
    json::write(&ser::escape_dict(entries), &mut out);
    Ok(out.into_bytes())
}

/// The parts of a Flask session dict: the data, `_permanent`, `_flashes`.
pub(crate) fn decode_session<T: DeserializeOwned>(payload: &[u8]) -> Option<(T, bool, Vec<Flash>)> {
    let mut entries = match json::parse(payload).ok()? {
        Node::Dict(entries) => entries,
        // `SecureCookieSession(None)` and `SecureCookieSession([])` are empty sessions.
        Node::Null => Vec::new(),
        Node::List(items) if items.is_empty() => Vec::new(),
        _ => return None,
    };
    if let [(key, value)] = entries.as_mut_slice()
        && tags::TAG_KEYS.contains(&key.as_str())
    {
        // The escape of a one-key session dict; any other tag (a tuple, bytes...) as the whole
        // session fails in Flask too.
        let Node::Dict(inner) = value else { return None };
        if key != " di" {
            return None;
        }
        let (first, value) = std::mem::take(inner).into_iter().next()?;
        entries = vec![(de::strip_last_two(&first).to_owned(), value)];
    }
    let permanent = take(&mut entries, PERMANENT_KEY).is_some_and(|v| truthy(&v));
    let flashes = match take(&mut entries, FLASHES_KEY) {
        None | Some(Node::Null) => Vec::new(),
        Some(Node::List(items)) => items.iter().filter_map(flash_of).collect(),
        Some(_) => return None,
    };
    let data = T::deserialize(de::NodeDe(&Node::Dict(entries))).ok()?;
    Some((data, permanent, flashes))
}

fn take(entries: &mut Vec<(String, Node)>, key: &str) -> Option<Node> {
    let at = entries.iter().position(|(k, _)| k == key)?;
    Some(entries.remove(at).1)
}

/// Python truthiness, for `_permanent` (`session.permanent` returns the stored value as is).
fn truthy(node: &Node) -> bool {
    match node {
        Node::Null => false,
        Node::Bool(b) => *b,
        Node::Int(i) => *i != 0,
        Node::BigInt(_) => true,
        Node::Float(f) => *f != 0.0,
        Node::Str(s) => !s.is_empty(),
        Node::List(items) => !items.is_empty(),
        Node::Dict(entries) => !entries.is_empty(),
    }
}

/// A flash as Flask stores it, `{" t": [category, message]}` (or a plain two-item list). A
/// `Markup` message (`{" m": …}`) is read as its text, a number or bool as its JSON text; an entry
/// of another shape is skipped rather than costing the user the whole session.
fn flash_of(node: &Node) -> Option<Flash> {
    let pair = match node {
        Node::Dict(entries) => match entries.as_slice() {
            [(key, Node::List(pair))] if key == " t" => pair,
            _ => return None,
        },
        Node::List(pair) => pair,
        _ => return None,
    };
    let text = |node: &Node| match node {
        Node::Str(s) => Some(s.clone()),
        Node::Dict(entries) => match entries.as_slice() {
            [(key, Node::Str(s))] if key == " m" => Some(s.clone()),
            _ => None,
        },
        Node::Int(_) | Node::BigInt(_) | Node::Float(_) | Node::Bool(_) => {
            let mut out = String::new();
            json::write(node, &mut out);
            Some(out)
        }
        Node::Null | Node::List(_) => None,
    };
    match pair.as_slice() {
        [category, message] => Some(Flash::new(text(category)?, text(message)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashMap};

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq, Default)]
    struct Visit {
        user: Option<String>,
        count: u32,
    }

    #[test]
    fn envelope_adds_permanent_and_flashes() {
        let visit = Visit { user: Some("bob".into()), count: 2 };
        let json = encode_session(&visit, true, &[Flash::new("error", "bad")]).unwrap();
        assert_eq!(
            String::from_utf8(json.clone()).unwrap(),
            r#"{"_flashes":[{" t":["error","bad"]}],"_permanent":true,"count":2,"user":"bob"}"#
        );
        let (back, permanent, flashes) = decode_session::<Visit>(&json).unwrap();
        assert_eq!((back, permanent, flashes), (visit, true, vec![Flash::new("error", "bad")]));
    }

    #[test]
    fn top_level_escape() {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq, Default)]
        struct OddKey {
            #[serde(rename = " t")]
            t: Vec<u8>,
        }
        let json = encode_session(&OddKey { t: vec![1, 2] }, false, &[]).unwrap();
        assert_eq!(json, br#"{" di":{" t__":[1,2]}}"#);
        assert_eq!(decode_session::<OddKey>(&json).unwrap().0, OddKey { t: vec![1, 2] });
        // With `_permanent` there are two keys and nothing is escaped.
        let json = encode_session(&OddKey { t: vec![1] }, true, &[]).unwrap();
        assert_eq!(json, br#"{" t":[1],"_permanent":true}"#);
        assert_eq!(decode_session::<OddKey>(&json).unwrap(), (OddKey { t: vec![1] }, true, vec![]));
    }

    #[test]
    fn reserved_keys_and_non_dicts_are_refused() {
        let map = HashMap::from([("_permanent", 1)]);
        let refused = encode_session(&map, false, &[]).unwrap_err().to_string();
        assert!(
            refused.contains(&session_rules::Problem::ReservedKey("_permanent").to_string()),
            "{refused}"
        );
        assert!(encode_session(&vec![1], false, &[]).is_err());
        assert!(decode_session::<BTreeMap<String, u8>>(br#""text""#).is_none());
        assert!(decode_session::<BTreeMap<String, u8>>(br#"{" t":[1]}"#).is_none());
        assert_eq!(decode_session::<BTreeMap<String, u8>>(b"null").unwrap().0, BTreeMap::new());
        assert!(decode_session::<Visit>(br#"{"_flashes":{}}"#).is_none());
    }

    /// Arbitrary bytes (mostly JSON-ish) never panic the reader, the session decoder or `Value`.
    #[test]
    fn arbitrary_payloads_never_panic() {
        let pieces: [&[u8]; 24] = [
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b":",
            b",",
            b" di",
            b" t",
            b" b",
            b" d",
            b" u",
            b" m",
            b"__",
            b"1",
            b"-0.5e3",
            b"NaN",
            b"null",
            b"\\u00e9",
            b"\\ud83d",
            b"true",
            b"_flashes",
            b"_permanent",
            b"\xff",
        ];
        let mut state = 0x1234_5678_9abc_def1_u64;
        for _ in 0..20_000 {
            let mut text = Vec::new();
            for _ in 0..(state % 24) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.extend_from_slice(pieces[(state % 24) as usize]);
            }
            let _ = json::parse(&text);
            let _ = decode_session::<BTreeMap<String, Value>>(&text);
            let _ = decode_session::<Visit>(&text);
            let _ = from_slice::<Value>(&text);
            let _ = from_slice::<Vec<Tuple<(u8, Bytes)>>>(&text);
        }
    }

    #[test]
    fn markup_flashes_read_as_text() {
        let (_, _, flashes) = decode_session::<BTreeMap<String, Value>>(
            br#"{"_flashes":[{" t":["message",{" m":"<b>x</b>"}]},["a","b"],1,{" t":["n",7]}]}"#,
        )
        .unwrap();
        assert_eq!(flashes, [Flash::new("message", "<b>x</b>"), Flash::new("a", "b"), Flash::new("n", "7")]);
    }

    #[test]
    fn tags_inside_containers_and_escapes() {
        let value: BTreeMap<&str, Value> = BTreeMap::from([
            ("x", Value::Dict(BTreeMap::from([(" t".to_owned(), Value::Str("no".into()))]))),
            ("y", Value::Dict(BTreeMap::from([(" t__".to_owned(), Value::Int(1))]))),
            ("z", Value::List(vec![Value::Tuple(vec![Value::Int(1)]), Value::Bytes(b"x".to_vec())])),
            ("big", Value::Int(10i128.pow(20))),
        ]);
        let text = to_string(&value).unwrap();
        assert_eq!(
            text,
            r#"{"big":100000000000000000000,"x":{" di":{" t__":"no"}},"y":{" t__":1},"z":[{" t":[1]},{" b":"eA=="}]}"#
        );
        let back: BTreeMap<String, Value> = from_str(&text).unwrap();
        assert_eq!(back.get("x"), value.get("x"));
        assert_eq!(back.get("z"), value.get("z"));
        assert_eq!(back.get("big"), value.get("big"));
        // `{" di": {" t__": {" t": [1]}}}`: the inner tag is read, the escape undone once.
        let nested: Value = from_str(r#"{" di":{" t__":{" t":[1]}}}"#).unwrap();
        assert_eq!(
            nested,
            Value::Dict(BTreeMap::from([(" t".to_owned(), Value::Tuple(vec![Value::Int(1)]))]))
        );
        // Typed maps undo the escape too.
        let typed: BTreeMap<String, BTreeMap<String, String>> =
            from_str(r#"{"x":{" di":{" t__":"no"}}}"#).unwrap();
        assert_eq!(typed["x"][" t"], "no");
        // A wrapper refuses an escaped dict that only looks like its tag.
        assert!(from_str::<Tuple<Vec<u8>>>(r#"{" di":{" t__":[1]}}"#).is_err());
        assert!(from_str::<Tuple<Vec<u8>>>(r#"[1]"#).is_err());
        assert!(from_str::<Bytes>(r#"{" t":[1]}"#).is_err());
    }

    #[test]
    fn serde_bytes_and_enums() {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        enum Mode {
            Light,
            Custom { hue: u16 },
        }
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct S {
            mode: Mode,
            other: Mode,
            ids: HashMap<u32, bool>,
        }
        let s = S {
            mode: Mode::Light,
            other: Mode::Custom { hue: 3 },
            ids: HashMap::from([(10, true), (9, false)]),
        };
        let text = to_string(&s).unwrap();
        assert_eq!(text, r#"{"ids":{"10":true,"9":false},"mode":"Light","other":{"Custom":{"hue":3}}}"#);
        assert_eq!(from_str::<S>(&text).unwrap(), s);
    }
}
