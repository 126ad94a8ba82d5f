//! The one rule on the session's data rather than on the cookie: the JSON keys the Flask format
//! keeps for itself. Flask's session dict is the envelope: the permanent flag and the flash
//! messages sit in it next to the session's own keys, so a field serialized under one of their
//! keys would collide. The native format keeps the data under its own key (`"v"`), where no name
//! collides, so the rule applies to the Flask format only. The derive applies it to every name a
//! field is serialized or deserialized under; the runtime's Flask encoder to every key of the
//! serialized data, so a config switched to Flask at run time (or a map-typed session) is held to
//! it too.

use crate::problem::{FLASHES, PERMANENT, Problem, same};

/// The keys of Flask's session dict that are not the session's: the permanent flag and the flash
/// messages.
///
/// ```
/// assert_eq!(session_rules::RESERVED_KEYS, ["_permanent", "_flashes"]);
/// ```
pub const RESERVED_KEYS: [&str; 2] = [PERMANENT, FLASHES];

/// Why the session's data cannot have the JSON key `key` in the Flask format (`flask_format`), or
/// `None` when it can. Every key is fine in the native format.
///
/// ```
/// use session_rules::{Problem, key_problem};
/// assert_eq!(key_problem("_flashes", true), Some(Problem::ReservedKey("_flashes")));
/// assert_eq!(key_problem("_flashes", false), None, "the native format keeps the data under \"v\"");
/// assert_eq!(key_problem("flashes", true), None);
/// ```
pub const fn key_problem(key: &str, flask_format: bool) -> Option<Problem<&str>> {
    if flask_format && (same(key, PERMANENT) || same(key, FLASHES)) {
        Some(Problem::ReservedKey(key))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ConstMessage;
    use alloc::string::ToString;

    #[test]
    fn only_the_flask_format_reserves_keys() {
        for key in RESERVED_KEYS {
            assert_eq!(key_problem(key, true), Some(Problem::ReservedKey(key)));
            assert_eq!(key_problem(key, false), None);
        }
        for key in ["", "_permanen", "_permanent_", "_Flashes", "permanent", "_flashes\0"] {
            assert_eq!(key_problem(key, true), None, "{key:?}");
        }
    }

    #[test]
    fn messages() {
        let flashes = Problem::ReservedKey("_flashes");
        assert_eq!(ConstMessage::new(&flashes).as_str(), flashes.to_string());
        assert!(flashes.to_string().starts_with(
            "the JSON key \"_flashes\" is reserved in the Flask format, which keeps the flash messages"
        ));
        assert!(flashes.to_string().ends_with("`flash()` adds a flash message"));
    }
}
