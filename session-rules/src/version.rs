//! Session type versions (`#[session(version = N, migrate_from = "Old")]`): the parser and the
//! rules a version obeys, shared by the derive (compile errors under the attribute) and the
//! runtime (`CookieConfig::with_schema`'s check in const evaluation).

use crate::problem::Problem;

/// The version of a type without `#[session(version = …)]`, and of a cookie that carries none.
pub const FIRST_VERSION: u32 = 1;

/// Parses `version = N`: a whole number from 1 to `u32::MAX`, written in decimal.
///
/// ```
/// use session_rules::{Problem, parse_version};
/// assert_eq!(parse_version("2"), Ok(2));
/// assert_eq!(parse_version("0"), Err(Problem::VersionZero));
/// assert_eq!(parse_version("two"), Err(Problem::VersionSyntax("two")));
/// assert_eq!(parse_version("4294967296"), Err(Problem::VersionSyntax("4294967296")));
/// ```
pub fn parse_version(text: &str) -> Result<u32, Problem<&str>> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::VersionSyntax(text));
    }
    match text.parse::<u32>() {
        Ok(0) => Err(Problem::VersionZero),
        Ok(version) => Ok(version),
        Err(_) => Err(Problem::VersionSyntax(text)),
    }
}

/// What is wrong with a type of `version` that migrates (`migrates`: it has `migrate_from`), in
/// the Flask format or not, if anything.
///
/// ```
/// use session_rules::{Problem, schema_problem};
/// assert_eq!(schema_problem(2, true, false), None);
/// assert_eq!(schema_problem(1, false, false), None, "unversioned");
/// assert_eq!(schema_problem(1, true, false), Some(Problem::MigrateWithoutVersion));
/// assert_eq!(schema_problem(2, false, true), Some(Problem::VersionedFlask));
/// ```
pub const fn schema_problem(version: u32, migrates: bool, flask: bool) -> Option<Problem<&'static str>> {
    if version == 0 {
        Some(Problem::VersionZero)
    } else if migrates && version == FIRST_VERSION {
        Some(Problem::MigrateWithoutVersion)
    } else if flask && (version != FIRST_VERSION || migrates) {
        Some(Problem::VersionedFlask)
    } else {
        None
    }
}

/// What is wrong with a type of `version` migrating from a type of `previous`: the previous
/// version must be lower. Every step of a chain going up is also why a chain cannot loop.
///
/// ```
/// use session_rules::{Problem, migration_problem};
/// assert_eq!(migration_problem(3, 2), None);
/// assert_eq!(migration_problem(2, 2), Some(Problem::VersionNotNewer(2, 2)));
/// ```
pub const fn migration_problem(version: u32, previous: u32) -> Option<Problem<&'static str>> {
    if previous < version { None } else { Some(Problem::VersionNotNewer(version as u64, previous as u64)) }
}

/// What is wrong with a type that is `revocable` (`#[session(revocable = "field")]`) or asks to
/// `fail_open`, in the Flask format or not, if anything. The user's epoch is carried in the
/// envelope, which the Flask format does not have.
///
/// ```
/// use session_rules::{Problem, revocable_problem};
/// assert_eq!(revocable_problem(true, false, false), None);
/// assert_eq!(revocable_problem(true, true, false), None);
/// assert_eq!(revocable_problem(true, false, true), Some(Problem::RevocableFlask));
/// assert_eq!(revocable_problem(false, true, false), Some(Problem::FailOpenWithoutRevocable));
/// ```
pub const fn revocable_problem(
    revocable: bool,
    fail_open: bool,
    flask: bool,
) -> Option<Problem<&'static str>> {
    if revocable && flask {
        Some(Problem::RevocableFlask)
    } else if fail_open && !revocable {
        Some(Problem::FailOpenWithoutRevocable)
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
    fn messages_name_the_fix() {
        let not_newer = migration_problem(2, 3).unwrap();
        assert_eq!(ConstMessage::new(&not_newer).as_str(), not_newer.to_string());
        assert!(
            not_newer
                .to_string()
                .ends_with("this type is version 2, and its `migrate_from` type is version 3")
        );
        assert!(Problem::<&str>::VersionedFlask.to_string().contains("#[serde(default)]"));
        assert!(Problem::<&str>::MigrateWithoutVersion.to_string().contains("version = 2"));
        assert_eq!(parse_version("007"), Ok(7));
        assert_eq!(parse_version(""), Err(Problem::VersionSyntax("")));
        assert_eq!(parse_version("-1"), Err(Problem::VersionSyntax("-1")));
        assert_eq!(schema_problem(0, false, false), Some(Problem::VersionZero));
        assert_eq!(schema_problem(1, false, true), None, "an unversioned Flask type");
        assert_eq!(migration_problem(u32::MAX, 1), None);
    }
}
