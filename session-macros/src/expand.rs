//! Code generation. Only called on input that passed `valid.rs`; names nothing but `::core` and
//! the runtime's `__private` module (through `crate = "..."` when given).

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::{DeriveInput, Path};

use session_rules::SameSite;

use crate::attr::{Format, OnConflict};
use crate::schema::Versioning;
use crate::valid::Config;

/// Whether to emit the trait-bound assertions that turn a missing `Serialize`, `Deserialize` or
/// `Default` into one targeted error.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Checks {
    Traits,
    None,
}

/// What a versioned type adds to the expansion: `const VERSION` in its `impl Session`, and the
/// compile-time check that its `migrate_from` type is older (`migrate_step`'s bounds in the config
/// check that it is a session type and converts with `From`). Empty for an unversioned type.
#[derive(Default)]
pub struct Versioned {
    item: TokenStream,
    assertions: TokenStream,
}

impl Versioned {
    pub fn new(krate: &Path, versioning: &Versioning) -> Versioned {
        if !versioning.is_versioned() {
            return Versioned::default();
        }
        let private = quote!(#krate::__private);
        let version = Literal::u32_unsuffixed(versioning.version);
        // A version that does not go up is reported at `migrate_from = "..."`: every token is
        // spanned there (the runtime's path too), or rustc shows the failed const evaluation at
        // `#[derive(Session)]`.
        let assertions = match &versioning.migrate_from {
            Some((old, span)) => respan(quote!(#private::check_versions::<#old>(#version);), *span),
            None => TokenStream::new(),
        };
        Versioned { item: quote!(const VERSION: u32 = #version;), assertions }
    }

    /// Adds the assertion that a revocable type's user field can name a user.
    pub fn assert_revocable(&mut self, krate: &Path, revocable: Option<&crate::revocable::Revocable>) {
        let private = quote!(#krate::__private);
        self.assertions.extend(crate::revocable::assertion(&private, revocable));
    }
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner = proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            }
            tree.set_span(span);
            tree
        })
        .collect()
}

/// `impl Session`, the inherent `open`/`open_with`, and the trait assertions, in a `const _`.
pub fn session_impls(
    node: &DeriveInput,
    krate: &Path,
    config: &TokenStream,
    checks: Checks,
    versioned: &Versioned,
) -> TokenStream {
    let ident = &node.ident;
    let vis = &node.vis;
    let private = quote!(#krate::__private);

    // `for<'__session> Visit<..>: SessionData` makes the impls conditional on the data traits
    // instead of failing at the impl: a missing trait is then reported once, by the assertion
    // below (with `on_unimplemented` advice), and not a second time as an unsatisfied supertrait.
    // The binder keeps rustc from rejecting the bound as trivially false on a non-generic type.
    // The inherent impl itself is unconditional and its methods carry the bound, so a call of
    // `Visit::open` on such a type reads "`Visit` cannot be a session: it needs ...".
    let (_, ty_generics, _) = node.generics.split_for_impl();
    let data_bound = quote!(for<'__session> #ident #ty_generics: #private::SessionData);
    let mut generics = node.generics.clone();
    generics.make_where_clause().predicates.push(syn::parse_quote!(#data_bound));
    let (impl_generics, _, session_where) = generics.split_for_impl();
    let (_, _, own_where) = node.generics.split_for_impl();

    let assertion = if checks == Checks::Traits && node.generics.params.is_empty() {
        quote_spanned!(ident.span()=> #private::assert_session_data::<#ident>();)
    } else {
        TokenStream::new()
    };

    let Versioned { item: version_item, assertions: version_assertions } = versioned;
    quote! {
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            #assertion
            #version_assertions

            #[automatically_derived]
            impl #impl_generics #private::Session for #ident #ty_generics #session_where {
                const CONFIG: #private::CookieConfig = #config;
                #version_item

                #[inline]
                fn config() -> &'static #private::CookieConfig {
                    static __SESSION_CONFIG: #private::CookieConfig = #config;
                    &__SESSION_CONFIG
                }
            }

            #[automatically_derived]
            #[allow(dead_code)]
            impl #impl_generics #ident #ty_generics #own_where {
                /// Opens this session from `request` with the process-wide key ring. Never fails:
                /// a missing or refused cookie gives an empty session.
                #[inline]
                #vis fn open<__SessionRequest>(request: &__SessionRequest) -> #private::Tracked<Self>
                where
                    __SessionRequest: #private::CookieSource + ?::core::marker::Sized,
                    #data_bound,
                {
                    <Self as #private::Session>::open(request)
                }

                /// Opens this session from `request` with the given backend. Never fails.
                #[inline]
                #vis fn open_with<__SessionRequest>(
                    interface: &#private::Arc<dyn #private::SessionInterface>,
                    request: &__SessionRequest,
                ) -> #private::Tracked<Self>
                where
                    __SessionRequest: #private::CookieSource + ?::core::marker::Sized,
                    #data_bound,
                {
                    <Self as #private::Session>::open_with(interface, request)
                }
            }
        };
    }
}

/// `CookieConfig::from_static(Settings { .. }, format, on_conflict)` with every field of
/// `session_rules::Settings` written out, so the snapshot shows exactly what a struct gets. `from_static` checks the rules again, in const
/// evaluation (no run-time cost); `check` has already reported every broken one with its span, so
/// that second check never fires for derived configs.
pub fn config_expr(config: &Config) -> TokenStream {
    let krate = &config.krate;
    let private = quote!(#krate::__private);
    let some = |value: TokenStream| quote!(::core::option::Option::Some(#value));
    let none = quote!(::core::option::Option::None);
    let settings = &config.settings;
    let name = settings.name;
    let domain = settings.domain.map_or_else(|| none.clone(), |domain| some(quote!(#domain)));
    let path = settings.path;
    let secure = settings.secure;
    let http_only = settings.http_only;
    let same_site = match settings.same_site {
        Some(SameSite::Lax) => some(quote!(#private::SameSite::Lax)),
        Some(SameSite::Strict) => some(quote!(#private::SameSite::Strict)),
        Some(SameSite::None) => some(quote!(#private::SameSite::None)),
        None => none,
    };
    let partitioned = settings.partitioned;
    let permanent = settings.permanent;
    let lifetime = Literal::u64_unsuffixed(settings.lifetime);
    let refresh_each_request = settings.refresh_each_request;
    let refresh_after = Literal::u64_unsuffixed(settings.refresh_after);
    let max_lifetime = Literal::u64_unsuffixed(settings.max_lifetime);
    let max_size = Literal::usize_unsuffixed(settings.max_size);
    let flask_format = settings.flask_format;
    let encrypted = settings.encrypted;
    let accept_signed = settings.accept_signed;
    let on_conflict = match config.on_conflict {
        OnConflict::LastWrite => quote!(#private::ConflictPolicy::LastWrite),
        OnConflict::Reject => quote!(#private::ConflictPolicy::Reject),
    };
    let format = match config.format {
        Format::Native => quote!(#private::Format::Native),
        // Needs session-runtime's `flask` feature; without it rustc reports the missing variant
        // at the user's `format = "flask"`.
        Format::Flask => quote_spanned!(config.format_span=> #private::Format::Flask),
    };
    let from_static = quote! {
        #private::CookieConfig::from_static(
            #private::Settings {
                name: #name,
                domain: #domain,
                path: #path,
                secure: #secure,
                http_only: #http_only,
                same_site: #same_site,
                partitioned: #partitioned,
                permanent: #permanent,
                lifetime: #lifetime,
                refresh_each_request: #refresh_each_request,
                refresh_after: #refresh_after,
                max_lifetime: #max_lifetime,
                max_size: #max_size,
                flask_format: #flask_format,
                encrypted: #encrypted,
                accept_signed: #accept_signed,
            },
            #format,
            #on_conflict,
        )
    };
    let config_expr = with_schema(from_static, &private, &config.versioning);
    crate::revocable::with_revocable(config_expr, &private, config.revocable.as_ref())
}

/// `config.with_schema(Schema::new(VERSION, migration))` for a versioned type; `config` as it is
/// otherwise, so an unversioned type's expansion is what it was before versions.
fn with_schema(config: TokenStream, private: &TokenStream, versioning: &Versioning) -> TokenStream {
    if !versioning.is_versioned() {
        return config;
    }
    let version = Literal::u32_unsuffixed(versioning.version);
    let ident = &versioning.ident;
    let migrate = match &versioning.migrate_from {
        // Spanned at `migrate_from = "..."`, where rustc then shows the advice of
        // `migrate_step`'s bounds: a missing `From`, a type that is not a session type.
        Some((old, span)) => respan(
            quote!(::core::option::Option::Some(#private::migrate_step::<#old, #ident> as #private::MigrateFn)),
            *span,
        ),
        None => quote!(::core::option::Option::None),
    };
    quote!(#config.with_schema(#private::Schema::new(#version, #migrate)))
}
