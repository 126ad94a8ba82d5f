//! `version` and `migrate_from`: the rules of `session_rules` (the ones the runtime's
//! `CookieConfig::with_schema` applies too), shown under the attribute to change, plus what only
//! the derive can see (a type migrating from itself). Whether the `migrate_from` type is older,
//! is a session type and converts with `From` is checked by the expansion, where types are known.

use proc_macro2::Span;
use quote::ToTokens;
use session_rules::{FIRST_VERSION, Problem, schema_problem};
use syn::Type;

use crate::ast::Input;
use crate::attr::Format;
use crate::ctxt::Ctxt;

/// The checked version and the previous version's type.
pub struct Versioning {
    pub version: u32,
    /// The `migrate_from` type and where it was written.
    pub migrate_from: Option<(Type, Span)>,
    /// The session type itself, which the migration produces.
    pub ident: syn::Ident,
}

impl Versioning {
    /// Whether the expansion has anything to add (an unversioned type expands as before).
    pub fn is_versioned(&self) -> bool {
        self.version != FIRST_VERSION || self.migrate_from.is_some()
    }
}

const GENERIC: &str = "`migrate_from` is not supported on a generic session type: its migration is \
                       compiled into the type's `static` config, which cannot name generic parameters";

/// Checks `version` and `migrate_from`; errors go to `cx`.
pub fn check(cx: &Ctxt, input: &Input) -> Versioning {
    let attrs = &input.attrs;
    let parsed = attrs.version.as_ref().map(|setting| {
        session_rules::parse_version(&setting.value).map_err(|problem| cx.error(setting.span, problem))
    });
    let version = match parsed {
        Some(Ok(version)) => version,
        _ => FIRST_VERSION,
    };
    let migrate_from = attrs.migrate_from.as_ref().map(|setting| (setting.value.clone(), setting.span));
    let flask = attrs.format.as_ref().is_some_and(|s| s.value == Format::Flask);
    if let Some(setting) = &attrs.migrate_from {
        if attrs.version.is_none() {
            cx.error(setting.key, Problem::<&str>::MigrateWithoutVersion);
        } else if names_itself(&setting.value, input) {
            cx.error(
                setting.span,
                "a session type cannot migrate from itself: `migrate_from` names the previous version's \
                 type, a copy of the struct as it was (e.g. `VisitV1`), with `impl From<VisitV1> for Visit`",
            );
        } else if input.generic {
            cx.error(setting.key, GENERIC);
        }
    }
    // A `version` the parser refused is reported already; without `version`, `migrate_from` is
    // reported above.
    if let (Some(setting), Some(Ok(_)), Some(problem)) =
        (&attrs.version, parsed, schema_problem(version, migrate_from.is_some(), flask))
    {
        cx.error(setting.span, problem);
    }
    Versioning { version, migrate_from, ident: input.ident.clone() }
}

/// `migrate_from = "Self"` or the struct's own name.
fn names_itself(ty: &Type, input: &Input) -> bool {
    let written = ty.to_token_stream().to_string();
    written == "Self" || *input.ident == written
}
