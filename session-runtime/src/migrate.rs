//! What `#[session(version = N, migrate_from = "Old")]` expands to: the step of a migration chain
//! and the compile-time checks with their messages (the bounds of `migrate_step`, whose
//! `on_unimplemented` advice rustc shows at `migrate_from`). Reached only through `__private`.

use serde::Serialize;
use serde_json::Value;

use crate::config::schema;
use crate::session::Session;

/// `Self` can be built from the `migrate_from` type `Old`: `impl From<Old> for Self`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot migrate from `{Old}`: `From<{Old}>` is not implemented for `{Self}`",
    label = "`migrate_from` needs `impl From<{Old}> for {Self}`",
    note = "a cookie written by the older version is read as `{Old}`, then converted with `From`"
)]
pub trait MigratesFrom<Old> {
    /// `From::from`.
    fn migrate(old: Old) -> Self;
}

impl<Old, New: From<Old>> MigratesFrom<Old> for New {
    fn migrate(old: Old) -> New {
        New::from(old)
    }
}

/// `Old` can be a `migrate_from` type: it is a session type, whose version the chain reads.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a `migrate_from` type: it is not a session type",
    label = "add `#[derive(Session)]` (and `#[session(version = …)]` if it had one) to `{Self}`",
    note = "the previous version keeps its derive: its own `version` and `migrate_from` continue the chain"
)]
pub trait PreviousVersion: Session {}
impl<T: Session> PreviousVersion for T {}

/// Compile error, with the numbers, unless `Old`'s version is lower than `version`.
pub const fn check_versions<Old: PreviousVersion>(version: u32) {
    schema::check(session_rules::migration_problem(version, Old::VERSION));
}

/// One step of a chain: the JSON of version `from` as `New`'s. Data of `Old`'s version is read
/// as `Old`; older data goes through `Old`'s own migration first. A version the chain skips (or
/// data that does not decode) gives `None`, which the handle reports as `Rejection::Payload`.
pub fn migrate_step<Old: PreviousVersion, New: Serialize + MigratesFrom<Old>>(
    from: u32,
    data: Value,
) -> Option<Value> {
    let schema = Old::config().schema();
    let data = match from.cmp(&schema.version()) {
        std::cmp::Ordering::Equal => data,
        std::cmp::Ordering::Less => schema.migrate(from, data)?,
        std::cmp::Ordering::Greater => return None,
    };
    let old: Old = serde_json::from_value(data).ok()?;
    serde_json::to_value(New::migrate(old)).ok()
}
