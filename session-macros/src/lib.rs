//! `#[derive(Session)]` for [`session-runtime`](https://docs.rs/session-runtime).
//!
//! Depend on `session-runtime`, not on this crate: it re-exports the derive next to the trait, so
//! `use session_runtime::Session;` brings both. The attributes are documented on [`Session`] and
//! in `docs/attributes.md`.
//!
//! The pipeline follows thiserror and serde_derive: `ast.rs` (typed input) → `attr.rs`
//! (`#[session(...)]` parsing of the keys in `key.rs`, errors collected) → `valid.rs` (the cookie rules of the
//! `session-rules` crate, which the runtime applies too, each broken one shown under its
//! attribute) → `expand.rs` (code generation), with a `fallback.rs` impl next to the errors so
//! that one mistake gives one error.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
mod key;
mod revocable;
mod schema;
mod valid;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

use crate::ast::Input;
use crate::ctxt::Ctxt;
use crate::expand::{Checks, Versioned, config_expr, session_impls};

#[doc = include_str!("derive.md")]
#[proc_macro_derive(Session, attributes(session))]
pub fn derive_session(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    derive(&input).into()
}

/// The whole expansion: the impls, or `compile_error!`s plus a fallback impl.
fn derive(node: &DeriveInput) -> proc_macro2::TokenStream {
    let cx = Ctxt::new();
    let input = Input::from_syn(&cx, node);
    let config = valid::check(&cx, &input);
    match cx.check() {
        Ok(()) => {
            let krate = &config.krate;
            let mut versioned = Versioned::new(krate, &config.versioning);
            versioned.assert_revocable(krate, config.revocable.as_ref());
            session_impls(node, krate, &config_expr(&config), Checks::Traits, &versioned)
        }
        Err(errors) => fallback::expand(node, &config.krate, errors),
    }
}
