//! On error: the `compile_error!`s plus the impls with the default config, so code that uses the
//! session type does not fail a second time (one mistake, one error).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, Path};

use crate::expand::{Checks, Versioned, session_impls};

/// `errors` as `compile_error!`s, next to impls that type-check whatever the input's problem.
pub fn expand(node: &DeriveInput, krate: &Path, errors: syn::Error) -> TokenStream {
    let errors = errors.into_compile_error();
    let config = quote!(#krate::__private::CookieConfig::DEFAULT);
    let impls = session_impls(node, krate, &config, Checks::None, &Versioned::default());
    quote! {
        #errors
        #impls
    }
}
