//! Merge on conflict: when another request wrote the record after this one opened it, the
//! fields this request changed (and its permanent flag and flash changes) are applied onto the
//! newer record; a field both changed follows the [`ConflictPolicy`]. Fields are the keys of the
//! session's JSON objects at any depth (a struct's fields, a map's entries); a list or a scalar
//! is one field.
//!
//! Absent, `null` and `{}` where a map goes: absent and `null` are "no map", which merges as a map
//! with no entries. So when both requests changed the value there and each side holds a map or
//! no map, the entries merge one by one: two requests that each add an entry to a map the opened
//! record did not have yet (or had as `null`) both keep it; a request that cleared the map (to
//! `{}`, `null` or by removing it) removes the entries it saw, while entries the other request
//! added or changed meanwhile stay (they are changes the clearing request never saw), and the
//! entries it removed never come back. A merge that leaves no entry is no map when either side
//! had none there (this request's `null` or absence first, then the record's), else `{}`.

use serde_json::{Map, Value};

use crate::config::ConflictPolicy;
use crate::envelope::json::EnvelopeJson;
use crate::error::{Error, StoreError};
use crate::format::Format;

/// `theirs` (the record as it is now) with the changes from `base` (as this request opened it)
/// to `ours` (as this request saves it) applied.
pub(super) fn merge(
    format: Format,
    base: &[u8],
    ours: &[u8],
    theirs: &[u8],
    policy: ConflictPolicy,
) -> Result<Vec<u8>, Error> {
    let [base, ours, theirs] = [base, ours, theirs].map(serde_json::from_slice::<Value>);
    let (Ok(Value::Object(base)), Ok(Value::Object(ours)), Ok(Value::Object(theirs))) = (base, ours, theirs)
    else {
        return Err(Error::Store(StoreError::Backend("a session record is not a JSON object".into())));
    };
    let merged = match format {
        Format::Native => merge_envelope(base, ours, theirs, policy)?,
        #[cfg(feature = "flask")]
        Format::Flask => merge_fields(&base, &ours, theirs, policy)?,
    };
    serde_json::to_vec(&Value::Object(merged)).map_err(|e| Error::Serialize(e.to_string()))
}

/// The native envelope: the data's top-level fields, the permanent flag, the flashes.
fn merge_envelope(
    base: Map<String, Value>,
    ours: Map<String, Value>,
    theirs: Map<String, Value>,
    policy: ConflictPolicy,
) -> Result<Map<String, Value>, Error> {
    let [mut base, mut ours, mut theirs] = [base, ours, theirs].map(EnvelopeJson::from_map);
    let versions = [&base, &ours, &theirs].map(EnvelopeJson::version);
    let data = [&mut base, &mut ours, &mut theirs].map(|envelope| envelope.data.take());
    let (version, data) = match (versions, data) {
        ([b, o, t], [Some(Value::Object(bd)), Some(Value::Object(od)), Some(Value::Object(td))])
            if b == o && o == t =>
        {
            (o, Value::Object(merge_fields(&bd, &od, td, policy)?))
        }
        // Data that is not a struct (a number, a list) is one field, and so is data of different
        // versions (one side migrated it, or a server of another version wrote it meanwhile):
        // fields of two versions do not match up, so the data goes whole, with its version.
        ([b, o, t], [bd, od, td]) => {
            let pair =
                |version: Value, data: Option<Value>| Value::Array(vec![version, data.unwrap_or_default()]);
            let (base, ours, theirs) = (pair(b, bd), pair(o, od), pair(t, td));
            match merge_one("the session data", Some(&base), Some(&ours), Some(theirs), policy)? {
                Some(Value::Array(mut pair)) if pair.len() == 2 => {
                    let data = pair.pop().unwrap_or_default();
                    (pair.pop().unwrap_or_default(), data)
                }
                _ => (Value::from(1), Value::Null),
            }
        }
    };
    let permanent = merge_one(
        "the permanent flag",
        base.permanent.as_ref(),
        ours.permanent.as_ref(),
        theirs.permanent,
        policy,
    )?;
    let flashes = merge_flashes(base.flashes.as_ref(), ours.flashes.as_ref(), theirs.flashes);
    // The issue time: this request's when it set one (a renewal, or the first one an old record
    // gets), else the record's as it is now (another request may have renewed it).
    let issued_at = match (&base.issued_at, ours.issued_at) {
        (base, Some(ours)) if base.as_ref() != Some(&ours) => Some(ours),
        _ => theirs.issued_at,
    };
    let merged = EnvelopeJson {
        version: Some(version),
        data: Some(data),
        permanent,
        flashes: Some(Value::Array(flashes)),
        issued_at,
    };
    match merged.into_value() {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}

/// `theirs` with every field `ours` changed from `base`.
fn merge_fields(
    base: &Map<String, Value>,
    ours: &Map<String, Value>,
    mut theirs: Map<String, Value>,
    policy: ConflictPolicy,
) -> Result<Map<String, Value>, Error> {
    let keys: std::collections::BTreeSet<&String> = base.keys().chain(ours.keys()).collect();
    for key in keys {
        let taken = theirs.remove(key);
        let (b, o) = (base.get(key), ours.get(key));
        let merged = if o != b && taken.as_ref() != b && is_map_or_none(b) {
            match (map_or_none(o), map_or_none(taken.as_ref())) {
                // Both changed a map here, each to a map or to no map: merge inside it, so two
                // requests changing (or adding) two entries of one map both keep their change.
                (Some(o_map), Some(t_map)) => {
                    let empty = Map::new();
                    let b_map = match b {
                        Some(Value::Object(b)) => b,
                        _ => &empty,
                    };
                    let inner = merge_fields(b_map, &o_map, t_map, policy).map_err(|error| match error {
                        Error::Conflict { field: Some(field) } => {
                            Error::Conflict { field: Some(format!("{key}.{field}")) }
                        }
                        other => other,
                    })?;
                    emptied(inner, o, taken)
                }
                _ => merge_one(key, b, o, taken, policy)?,
            }
        } else {
            merge_one(key, b, o, taken, policy)?
        };
        if let Some(value) = merged {
            theirs.insert(key.clone(), value);
        }
    }
    Ok(theirs)
}

/// Whether `value` is a map or no map (absent or `null`).
fn is_map_or_none(value: Option<&Value>) -> bool {
    matches!(value, None | Some(Value::Null | Value::Object(_)))
}

/// The entries of a map, no entries for no map (absent or `null`), `None` for anything else.
fn map_or_none(value: Option<&Value>) -> Option<Map<String, Value>> {
    match value {
        None | Some(Value::Null) => Some(Map::new()),
        Some(Value::Object(map)) => Some(map.clone()),
        Some(_) => None,
    }
}

/// A merged map, or, when no entry is left and one side had no map there, what that side wrote
/// (`null` or absent, ours first): a map cleared to `None` with nothing added since stays `None`.
fn emptied(merged: Map<String, Value>, ours: Option<&Value>, theirs: Option<Value>) -> Option<Value> {
    if !merged.is_empty() {
        return Some(Value::Object(merged));
    }
    match (ours, theirs) {
        (None, _) => None,
        (Some(Value::Null), _) => Some(Value::Null),
        (_, None) => None,
        (_, Some(Value::Null)) => Some(Value::Null),
        _ => Some(Value::Object(merged)),
    }
}

/// One field: `theirs` unless this request changed it; if both changed it differently, the
/// policy decides. `None` is an absent field.
fn merge_one(
    name: &str,
    base: Option<&Value>,
    ours: Option<&Value>,
    theirs: Option<Value>,
    policy: ConflictPolicy,
) -> Result<Option<Value>, Error> {
    if ours == base {
        return Ok(theirs);
    }
    // Both changed it, even to the same value: two increments that both wrote 6 are a conflict.
    let both_changed = theirs.as_ref() != base;
    if both_changed && policy == ConflictPolicy::Reject {
        return Err(Error::Conflict { field: Some(name.to_owned()) });
    }
    Ok(ours.cloned())
}

/// The flashes now stored, without the ones this request took, plus the ones it added.
fn merge_flashes(base: Option<&Value>, ours: Option<&Value>, theirs: Option<Value>) -> Vec<Value> {
    let list = |value: Option<&Value>| value.and_then(Value::as_array).cloned().unwrap_or_default();
    let (base, ours) = (list(base), list(ours));
    let mut merged = list(theirs.as_ref());
    let mut kept = ours.clone();
    for flash in &base {
        match kept.iter().position(|other| other == flash) {
            Some(at) => {
                kept.remove(at);
            }
            // Taken by this request.
            None => {
                if let Some(at) = merged.iter().position(|other| other == flash) {
                    merged.remove(at);
                }
            }
        }
    }
    // What is left of ours was added by this request.
    merged.extend(kept);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(base: &str, ours: &str, theirs: &str, policy: ConflictPolicy) -> Result<Value, Error> {
        let bytes = merge(Format::Native, base.as_bytes(), ours.as_bytes(), theirs.as_bytes(), policy)?;
        Ok(serde_json::from_slice(&bytes).unwrap())
    }

    fn json(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn fields_changed_by_one_side_are_all_kept() {
        let base = r#"{"v":{"a":1,"b":1,"c":1}}"#;
        let ours = r#"{"v":{"a":2,"b":1,"c":1}}"#;
        let theirs = r#"{"v":{"a":1,"b":3,"c":1,"d":4}}"#;
        let result = merged(base, ours, theirs, ConflictPolicy::Reject).unwrap();
        assert_eq!(result, json(r#"{"v":{"a":2,"b":3,"c":1,"d":4}}"#));
    }

    #[test]
    fn a_field_both_changed_follows_the_policy() {
        let base = r#"{"v":{"a":1}}"#;
        let ours = r#"{"v":{"a":2}}"#;
        let theirs = r#"{"v":{"a":3}}"#;
        assert_eq!(merged(base, ours, theirs, ConflictPolicy::LastWrite).unwrap(), json(r#"{"v":{"a":2}}"#));
        match merged(base, ours, theirs, ConflictPolicy::Reject) {
            Err(Error::Conflict { field: Some(field) }) => assert_eq!(field, "a"),
            other => panic!("{other:?}"),
        }
        // Both made the same change: still both changed it (two increments from 1 both write 2).
        assert!(merged(base, ours, ours, ConflictPolicy::Reject).is_err());
        assert_eq!(merged(base, ours, ours, ConflictPolicy::LastWrite).unwrap(), json(r#"{"v":{"a":2}}"#));
    }

    #[test]
    fn removed_fields_stay_removed_and_whole_values_merge_as_one_field() {
        let result = merged(
            r#"{"v":{"a":1,"b":1}}"#,
            r#"{"v":{"b":1}}"#,
            r#"{"v":{"a":1,"b":2}}"#,
            ConflictPolicy::Reject,
        );
        assert_eq!(result.unwrap(), json(r#"{"v":{"b":2}}"#));
        let result = merged(r#"{"v":1}"#, r#"{"v":2}"#, r#"{"v":1}"#, ConflictPolicy::Reject);
        assert_eq!(result.unwrap(), json(r#"{"v":2}"#));
        assert!(merged(r#"{"v":1}"#, r#"{"v":2}"#, r#"{"v":3}"#, ConflictPolicy::Reject).is_err());
    }

    #[test]
    fn flashes_taken_here_go_and_flashes_added_anywhere_stay() {
        let base = r#"{"v":{},"f":[["message","one"]]}"#;
        let ours = r#"{"v":{},"f":[["message","mine"]]}"#;
        let theirs = r#"{"v":{},"f":[["message","one"],["message","theirs"]],"p":true}"#;
        let result = merged(base, ours, theirs, ConflictPolicy::Reject).unwrap();
        assert_eq!(result, json(r#"{"v":{},"p":true,"f":[["message","theirs"],["message","mine"]]}"#));
    }

    #[test]
    fn entries_of_one_map_changed_by_two_requests_are_both_kept() {
        let base = r#"{"v":{"counts":{"a":1,"b":1}}}"#;
        let ours = r#"{"v":{"counts":{"a":2,"b":1}}}"#;
        let theirs = r#"{"v":{"counts":{"a":1,"b":2,"c":1}}}"#;
        let result = merged(base, ours, theirs, ConflictPolicy::Reject).unwrap();
        assert_eq!(result, json(r#"{"v":{"counts":{"a":2,"b":2,"c":1}}}"#));
        match merged(base, ours, r#"{"v":{"counts":{"a":5,"b":1}}}"#, ConflictPolicy::Reject) {
            Err(Error::Conflict { field: Some(field) }) => assert_eq!(field, "counts.a"),
            other => panic!("{other:?}"),
        }
    }

    /// Two requests add entries to a map the opened record did not have, or had as `null`: the
    /// merge is as if it had been `{}`, so both keep their entries (and a clash follows the policy).
    #[test]
    fn maps_two_requests_create_keep_both_requests_entries() {
        for base in [r#"{"v":{}}"#, r#"{"v":{"g":null}}"#, r#"{"v":{"g":{}}}"#] {
            let ours = r#"{"v":{"g":{"a":1}}}"#;
            let theirs = r#"{"v":{"g":{"b":1}}}"#;
            let result = merged(base, ours, theirs, ConflictPolicy::Reject).unwrap();
            assert_eq!(result, json(r#"{"v":{"g":{"a":1,"b":1}}}"#), "base {base}");
            let clash = r#"{"v":{"g":{"a":2}}}"#;
            match merged(base, ours, clash, ConflictPolicy::Reject) {
                Err(Error::Conflict { field: Some(field) }) => assert_eq!(field, "g.a"),
                other => panic!("{other:?}"),
            }
            assert_eq!(merged(base, ours, clash, ConflictPolicy::LastWrite).unwrap(), json(ours));
        }
        // Two levels deep: groups that do not exist yet, inside a map that does not either.
        let result = merged(
            r#"{"v":{"n":null}}"#,
            r#"{"v":{"n":{"g1":{"a":1}}}}"#,
            r#"{"v":{"n":{"g1":{"b":1},"g2":{"c":1}}}}"#,
            ConflictPolicy::Reject,
        );
        assert_eq!(result.unwrap(), json(r#"{"v":{"n":{"g1":{"a":1,"b":1},"g2":{"c":1}}}}"#));
    }

    /// A map cleared (to `null`, `{}` or removed) while another request adds an entry: the
    /// entries the clearing request saw stay gone, the added entry stays.
    #[test]
    fn a_cleared_map_keeps_concurrent_additions_and_never_gets_cleared_entries_back() {
        let base = r#"{"v":{"g":{"a":1,"b":1}}}"#;
        let added = r#"{"v":{"g":{"a":1,"b":1,"c":1}}}"#;
        for (cleared, empty) in [
            (r#"{"v":{"g":null}}"#, r#"{"v":{"g":null}}"#),
            (r#"{"v":{"g":{}}}"#, r#"{"v":{"g":{}}}"#),
            (r#"{"v":{}}"#, r#"{"v":{}}"#),
        ] {
            for policy in [ConflictPolicy::Reject, ConflictPolicy::LastWrite] {
                // The adding request saves after the clearing one, and the other way round.
                let result = merged(base, added, cleared, policy).unwrap();
                assert_eq!(result, json(r#"{"v":{"g":{"c":1}}}"#), "{cleared} then add");
                let result = merged(base, cleared, added, policy).unwrap();
                assert_eq!(result, json(r#"{"v":{"g":{"c":1}}}"#), "add then {cleared}");
                // Nothing added meanwhile: the clearing stands as written.
                assert_eq!(
                    merged(base, cleared, r#"{"v":{"g":{"a":1,"b":1},"x":1}}"#, policy).unwrap()["v"]["g"],
                    json(empty)["v"]["g"]
                );
            }
            // The other request changed an entry the clearing one removed: both changed it.
            let changed = r#"{"v":{"g":{"a":5,"b":1}}}"#;
            match merged(base, cleared, changed, ConflictPolicy::Reject) {
                Err(Error::Conflict { field: Some(field) }) => assert_eq!(field, "g.a"),
                other => panic!("{other:?}"),
            }
            let result = merged(base, cleared, changed, ConflictPolicy::LastWrite).unwrap();
            assert_eq!(result, json(empty), "the clearing request saved last");
        }
        // A map replaced by a scalar is one field, as before.
        assert!(merged(base, r#"{"v":{"g":7}}"#, added, ConflictPolicy::Reject).is_err());
        assert_eq!(
            merged(base, r#"{"v":{"g":7}}"#, added, ConflictPolicy::LastWrite).unwrap(),
            json(r#"{"v":{"g":7}}"#)
        );
    }

    /// The issue time is kept through a merge: this request's when it renewed (or first wrote
    /// one), else the record's, which another request may have renewed meanwhile.
    #[test]
    fn the_issue_time_survives_a_merge() {
        let (base, theirs) = (r#"{"v":{"a":1},"i":10}"#, r#"{"v":{"a":1,"b":2},"i":10}"#);
        let result = merged(base, r#"{"v":{"a":2},"i":10}"#, theirs, ConflictPolicy::Reject).unwrap();
        assert_eq!(result, json(r#"{"v":{"a":2,"b":2},"i":10}"#));
        let renewed = merged(base, r#"{"v":{"a":2},"i":50}"#, theirs, ConflictPolicy::Reject).unwrap();
        assert_eq!(renewed["i"], 50, "ours renewed");
        let theirs_renewed = r#"{"v":{"a":1,"b":2},"i":40}"#;
        let result = merged(base, r#"{"v":{"a":2},"i":10}"#, theirs_renewed, ConflictPolicy::Reject).unwrap();
        assert_eq!(result["i"], 40, "theirs renewed");
        let upgraded =
            merged(r#"{"v":{"a":1}}"#, r#"{"v":{"a":2},"i":7}"#, r#"{"v":{"a":1}}"#, ConflictPolicy::Reject);
        assert_eq!(upgraded.unwrap()["i"], 7, "an old record gets its first issue time");
    }

    #[test]
    fn data_of_different_versions_merges_whole_with_its_version() {
        // This request migrated the record from version 1; nobody else changed the data.
        let base = r#"{"v":{"count":1}}"#;
        let ours = r#"{"s":2,"v":{"visits":1}}"#;
        let theirs = r#"{"v":{"count":1},"p":true}"#;
        let result = merged(base, ours, theirs, ConflictPolicy::Reject).unwrap();
        assert_eq!(result, json(r#"{"s":2,"v":{"visits":1},"p":true}"#));
        let bytes = merge(
            Format::Native,
            base.as_bytes(),
            ours.as_bytes(),
            theirs.as_bytes(),
            ConflictPolicy::Reject,
        );
        let text = String::from_utf8(bytes.unwrap()).unwrap();
        assert!(
            text.find(r#""s":2"#).unwrap() < text.find(r#""v":"#).unwrap(),
            "the version comes before the data: {text}"
        );
        // Another server changed the data meanwhile: a conflict on the whole data.
        let theirs = r#"{"v":{"count":2}}"#;
        assert_eq!(merged(base, ours, theirs, ConflictPolicy::LastWrite).unwrap(), json(ours));
        match merged(base, ours, theirs, ConflictPolicy::Reject) {
            Err(Error::Conflict { field: Some(field) }) => assert_eq!(field, "the session data"),
            other => panic!("{other:?}"),
        }
        // A newer server migrated the record meanwhile; this request changed only the flag.
        let (base, ours) = (r#"{"v":{"count":1}}"#, r#"{"v":{"count":1},"p":true}"#);
        let theirs = r#"{"s":2,"v":{"visits":1}}"#;
        assert_eq!(
            merged(base, ours, theirs, ConflictPolicy::Reject).unwrap(),
            json(r#"{"s":2,"v":{"visits":1},"p":true}"#)
        );
        // Same version on every side: field by field, the version kept.
        let result = merged(
            r#"{"s":2,"v":{"a":1,"b":1}}"#,
            r#"{"s":2,"v":{"a":2,"b":1}}"#,
            r#"{"s":2,"v":{"a":1,"b":3}}"#,
            ConflictPolicy::Reject,
        );
        assert_eq!(result.unwrap(), json(r#"{"s":2,"v":{"a":2,"b":3}}"#));
    }

    /// Both requests emptied a map, one to "no map" (`null` or absent), the other to `{}` or to
    /// the other kind of no map: the merge keeps no map, this request's kind first, then the
    /// record's, and never invents an empty map where a side removed it.
    #[test]
    fn a_map_both_requests_emptied_stays_no_map_as_written() {
        for (base, ours, theirs, expected) in [
            (r#"{"v":{"g":{}}}"#, r#"{"v":{"g":null}}"#, r#"{"v":{}}"#, r#"{"v":{"g":null}}"#),
            (r#"{"v":{"g":{}}}"#, r#"{"v":{}}"#, r#"{"v":{"g":null}}"#, r#"{"v":{}}"#),
            (r#"{"v":{"g":null}}"#, r#"{"v":{"g":{}}}"#, r#"{"v":{}}"#, r#"{"v":{}}"#),
            (r#"{"v":{}}"#, r#"{"v":{"g":{}}}"#, r#"{"v":{"g":null}}"#, r#"{"v":{"g":null}}"#),
        ] {
            for policy in [ConflictPolicy::Reject, ConflictPolicy::LastWrite] {
                let result = merged(base, ours, theirs, policy).unwrap();
                assert_eq!(result, json(expected), "{base} {ours} {theirs}");
            }
        }
    }

    /// A field that held a value other than a map (a number, a string, a list), which both
    /// requests replaced with maps, is one field like any other: both changed it, so the policy
    /// decides, and the two maps are not merged entry by entry as maps that were there are.
    #[test]
    fn a_value_both_requests_replaced_with_maps_is_one_field() {
        for base in [r#"{"v":{"g":5}}"#, r#"{"v":{"g":"x"}}"#, r#"{"v":{"g":[1]}}"#] {
            let ours = r#"{"v":{"g":{"a":1}}}"#;
            let theirs = r#"{"v":{"g":{"b":1}}}"#;
            match merged(base, ours, theirs, ConflictPolicy::Reject) {
                Err(Error::Conflict { field: Some(field) }) => assert_eq!(field, "g", "base {base}"),
                other => panic!("base {base}: {other:?}"),
            }
            let result = merged(base, ours, theirs, ConflictPolicy::LastWrite).unwrap();
            assert_eq!(result, json(ours), "base {base}");
        }
    }

    #[test]
    fn records_that_are_not_objects_are_a_store_error() {
        assert!(matches!(merged("[]", "{}", "{}", ConflictPolicy::LastWrite), Err(Error::Store(_))));
    }
}
