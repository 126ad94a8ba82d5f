//! The version of a session type's data and how to read the older ones
//! (`#[session(version = N, migrate_from = "Old")]`; docs/design.md, "Versioned session types").

use std::fmt;

use serde_json::Value;
use session_rules::{ConstMessage, FIRST_VERSION, schema_problem};

/// Turns the data of an older version (`from`, as JSON) into the current version's JSON. The
/// derive writes it: it reads the `migrate_from` type (itself migrated first when `from` is older
/// still), converts it with `From` and serializes the result. `None` when `from` is a version the
/// chain does not know, or the data does not decode into it.
#[doc(hidden)]
pub type MigrateFn = fn(from: u32, data: Value) -> Option<Value>;

/// A session type's version, and its migration from the versions before it, if it has one.
/// Unversioned types (and every config built at run time) are version 1 without a migration.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use session_runtime::{CookieConfig, Session};
///
/// #[derive(Session, Serialize, Deserialize, Default)]
/// struct VisitV1 { count: u32 }
///
/// #[derive(Session, Serialize, Deserialize, Default)]
/// #[session(version = 2, migrate_from = "VisitV1")]
/// struct Visit { visits: u64 }
///
/// impl From<VisitV1> for Visit {
///     fn from(old: VisitV1) -> Visit { Visit { visits: old.count.into() } }
/// }
///
/// assert_eq!(Visit::CONFIG.schema().version(), 2);
/// assert!(Visit::CONFIG.schema().migrates());
/// assert_eq!(CookieConfig::DEFAULT.schema().version(), 1);
/// ```
#[derive(Clone, Copy)]
pub struct Schema {
    version: u32,
    migrate: Option<MigrateFn>,
}

impl Schema {
    /// Version 1 with nothing to migrate from: every type without `#[session(version = …)]`.
    pub const UNVERSIONED: Schema = Schema { version: FIRST_VERSION, migrate: None };

    /// A version and its migration, as the derive emits them. A version of 0, or a migration on
    /// version 1, does not compile in a `const` (the rules of `session_rules::schema_problem`).
    #[doc(hidden)]
    pub const fn new(version: u32, migrate: Option<MigrateFn>) -> Schema {
        check(schema_problem(version, migrate.is_some(), false));
        Schema { version, migrate }
    }

    /// The version of the data (1 when the type has none).
    pub const fn version(&self) -> u32 {
        self.version
    }

    /// Whether older versions are read (`migrate_from`).
    pub const fn migrates(&self) -> bool {
        self.migrate.is_some()
    }

    /// The data of version `from` (older than this one) as this version's JSON.
    pub(crate) fn migrate(&self, from: u32, data: Value) -> Option<Value> {
        self.migrate.and_then(|migrate| migrate(from, data))
    }
}

/// Panics with the rule's message: a compile error in a `const`, as `CookieConfig::from_static`.
pub(crate) const fn check(problem: Option<session_rules::Problem<&'static str>>) {
    if let Some(problem) = problem {
        let message = ConstMessage::new(&problem);
        #[allow(clippy::panic)]
        {
            panic!("{}", message.as_str());
        }
    }
}

/// Compares the version and whether there is a migration: two function pointers are not
/// reliably comparable, and the same type's are the same anyway.
impl PartialEq for Schema {
    fn eq(&self, other: &Schema) -> bool {
        self.version == other.version && self.migrates() == other.migrates()
    }
}

impl Eq for Schema {}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema").field("version", &self.version).field("migrates", &self.migrates()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_time_checks_give_the_rules_messages() {
        fn nothing(_: u32, _: Value) -> Option<Value> {
            None
        }
        assert_eq!(Schema::new(3, Some(nothing)).version(), 3);
        let zero = std::panic::catch_unwind(|| Schema::new(0, None)).unwrap_err();
        assert!(zero.downcast_ref::<String>().unwrap().starts_with("`version = 0` is not a version"));
        assert!(std::panic::catch_unwind(|| Schema::new(1, Some(nothing))).is_err());
        assert_eq!(Schema::UNVERSIONED.migrate(1, Value::Null), None);
        assert_eq!(format!("{:?}", Schema::new(2, Some(nothing))), "Schema { version: 2, migrates: true }");
    }
}
