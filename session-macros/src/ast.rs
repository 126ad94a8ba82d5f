//! The typed input: a struct with named fields, its `#[session(...)]` settings and the JSON names
//! of its fields. Anything else (enum, union, tuple or unit struct) is an error spanned on what
//! makes it so; the attributes are still parsed, so their errors show in the same build.

use proc_macro2::Span;
use syn::{Data, DataStruct, DeriveInput, Fields, LitStr};

use crate::attr::{self, Container, SerdeNames};
use crate::ctxt::Ctxt;

/// A `#[derive(Session)]` input.
pub struct Input<'a> {
    pub ident: &'a syn::Ident,
    /// Whether the struct has generic parameters.
    pub generic: bool,
    pub attrs: Container,
    /// Empty unless the input is a struct with named fields.
    pub fields: Vec<Field<'a>>,
}

/// A named field.
pub struct Field<'a> {
    pub ident: &'a syn::Ident,
    pub ty: &'a syn::Type,
    pub serde: SerdeNames,
}

impl Field<'_> {
    /// Every JSON key the field can be written or read under, with where each comes from.
    pub fn json_names(&self) -> Vec<(String, Span)> {
        if self.serde.skip {
            return Vec::new();
        }
        let own = || (unraw(self.ident), self.ident.span());
        let from = |lit: &LitStr| (lit.value(), lit.span());
        let mut names = vec![self.serde.serialize.as_ref().map_or_else(own, from)];
        names.push(self.serde.deserialize.as_ref().map_or_else(own, from));
        names.extend(self.serde.aliases.iter().map(from));
        names.dedup_by(|a, b| a.0 == b.0);
        names
    }
}

/// The identifier as serde writes it: `r#type` is `"type"`.
pub fn unraw(ident: &syn::Ident) -> String {
    let text = ident.to_string();
    match text.strip_prefix("r#") {
        Some(bare) => bare.to_owned(),
        None => text,
    }
}

const ENUM: &str = "`#[derive(Session)]` needs a struct with named fields, not an enum: \
                    put the enum in a field, e.g. `struct Visit { state: MyEnum }`";
const UNION: &str = "`#[derive(Session)]` needs a struct with named fields, not a union";
const TUPLE: &str = "`#[derive(Session)]` needs named fields: a tuple struct would be stored as a JSON \
                     array, which breaks when fields are added; write `struct Visit { field: Type }`";
const UNIT: &str = "`#[derive(Session)]` needs named fields: a unit struct has nothing to store; \
                    write `struct Visit {}` if the session really holds no data";
const FIELD_ATTR: &str = "`#[session(...)]` goes on the struct, not on a field";

impl<'a> Input<'a> {
    pub fn from_syn(cx: &Ctxt, node: &'a DeriveInput) -> Input<'a> {
        let attrs = Container::from_attrs(cx, &node.attrs);
        let fields = match &node.data {
            Data::Struct(DataStruct { fields: Fields::Named(named), .. }) => {
                named.named.iter().filter_map(|field| Field::from_syn(cx, field)).collect()
            }
            Data::Struct(DataStruct { fields: Fields::Unnamed(unnamed), .. }) => {
                cx.error_spanned(unnamed, TUPLE);
                Vec::new()
            }
            Data::Struct(DataStruct { fields: Fields::Unit, .. }) => {
                cx.error(node.ident.span(), UNIT);
                Vec::new()
            }
            Data::Enum(data) => {
                cx.error(data.enum_token.span, ENUM);
                Vec::new()
            }
            Data::Union(data) => {
                cx.error(data.union_token.span, UNION);
                Vec::new()
            }
        };
        Input { ident: &node.ident, generic: !node.generics.params.is_empty(), attrs, fields }
    }
}

impl<'a> Field<'a> {
    fn from_syn(cx: &Ctxt, field: &'a syn::Field) -> Option<Field<'a>> {
        for attr in field.attrs.iter().filter(|attr| attr.path().is_ident(attr::SESSION)) {
            cx.error_spanned(attr, FIELD_ATTR);
        }
        let ident = field.ident.as_ref()?;
        Some(Field { ident, ty: &field.ty, serde: SerdeNames::from_attrs(&field.attrs) })
    }
}
