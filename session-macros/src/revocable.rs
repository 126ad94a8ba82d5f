//! `#[session(revocable = "field", fail_open)]`: the user field of a revocable session, checked
//! against the struct's fields and the format; the runtime's `Revocable` and the compile-time
//! assertion that the field's type can name a user are written here too.

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::spanned::Spanned;

use crate::ast::{Input, unraw};
use crate::attr::Setting;
use crate::ctxt::Ctxt;

/// A valid `revocable`: the field's JSON key (what the runtime reads), its type and the policy.
pub struct Revocable {
    pub json: String,
    pub ty: syn::Type,
    pub fail_open: bool,
}

/// Checks `revocable` and `fail_open`; errors go to `cx`.
pub fn check(cx: &Ctxt, input: &Input, flask_format: bool) -> Option<Revocable> {
    let attrs = &input.attrs;
    let fail_open = attrs.fail_open.as_ref().is_some_and(|s| s.value);
    if let Some(problem) =
        session_rules::revocable_problem(attrs.revocable.is_some(), fail_open, flask_format)
    {
        let span = match (&attrs.revocable, &attrs.fail_open) {
            // The Flask format is what cannot carry the epoch; `revocable` is what needs it.
            (Some(revocable), _) => revocable.key,
            (None, Some(fail_open)) => fail_open.key,
            (None, None) => Span::call_site(),
        };
        cx.error(span, problem);
        return None;
    }
    let setting = attrs.revocable.as_ref()?;
    let field = field(cx, input, setting)?;
    if field.serde.skip {
        cx.error(
            setting.span,
            format!(
                "`revocable` names `{}`, which `#[serde(skip)]` leaves out of the cookie: the user \
                 field must be stored in the session",
                setting.value
            ),
        );
        return None;
    }
    let json = field.serde.serialize.as_ref().map_or_else(|| unraw(field.ident), syn::LitStr::value);
    Some(Revocable { json, ty: field.ty.clone(), fail_open })
}

/// The field `revocable` names (its Rust name), or an error listing the fields there are.
fn field<'i, 'a>(
    cx: &Ctxt,
    input: &'i Input<'a>,
    setting: &Setting<String>,
) -> Option<&'i crate::ast::Field<'a>> {
    let wanted = setting.value.strip_prefix("r#").unwrap_or(&setting.value);
    if let Some(field) = input.fields.iter().find(|field| unraw(field.ident) == wanted) {
        return Some(field);
    }
    let names: Vec<String> = input.fields.iter().map(|field| format!("`{}`", field.ident)).collect();
    let fields = if names.is_empty() {
        "it has none".to_owned()
    } else {
        format!("its fields are {}", names.join(", "))
    };
    cx.error(
        setting.span,
        format!(
            "`revocable` must name the field that holds the signed-in user, but `{}` has no field `{wanted}`: {fields}",
            input.ident
        ),
    );
    None
}

/// `.with_revocable(Revocable::new("json").fail_open(..))` after the config expression.
pub fn with_revocable(
    config: TokenStream,
    private: &TokenStream,
    revocable: Option<&Revocable>,
) -> TokenStream {
    let Some(Revocable { json, fail_open, .. }) = revocable else { return config };
    quote::quote!(#config.with_revocable(#private::Revocable::new(#json).fail_open(#fail_open)))
}

/// The assertion that the user field's type can name a user, spanned at the type, so rustc shows
/// `EpochUser`'s advice there.
pub fn assertion(private: &TokenStream, revocable: Option<&Revocable>) -> TokenStream {
    let Some(Revocable { ty, .. }) = revocable else { return TokenStream::new() };
    quote_spanned!(ty.span()=> #private::assert_epoch_user::<#ty>();)
}
