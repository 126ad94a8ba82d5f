//! `#[session(...)]` on the struct and `#[serde(...)]` names on fields: syntax only. Every key
//! becomes a typed [`Setting`] that remembers where it was written; the cookie rules run in
//! `valid.rs`. Errors go to the [`Ctxt`] and parsing goes on, so one build shows every mistake.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use session_rules::SameSite;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Lit, LitStr, Path, Token, Type, token};

use crate::ctxt::Ctxt;
use crate::key::{Key, Kind};

/// The helper attribute this derive owns.
pub const SESSION: &str = "session";
const SERDE: &str = "serde";

/// A value and where the user wrote it.
#[derive(Clone)]
pub struct Setting<T> {
    pub value: T,
    /// The key (`secure`, `name`, …).
    pub key: Span,
    /// The value's literal, or the key for a bare flag.
    pub span: Span,
}

/// `format = "..."`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Native,
    Flask,
}

/// `on_conflict = "..."`: what a server-side save does when another request changed the same field.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OnConflict {
    LastWrite,
    Reject,
}

/// Everything `#[session(...)]` said, unchecked against the cookie rules.
#[derive(Default)]
pub struct Container {
    pub name: Option<Setting<String>>,
    pub domain: Option<Setting<String>>,
    pub path: Option<Setting<String>>,
    pub secure: Option<Setting<bool>>,
    pub http_only: Option<Setting<bool>>,
    /// `Some(None)` for `"unset"`: no `SameSite` attribute.
    pub same_site: Option<Setting<Option<SameSite>>>,
    pub partitioned: Option<Setting<bool>>,
    pub permanent: Option<Setting<bool>>,
    /// The text as written: `"31d"`, or the digits of an integer literal.
    pub lifetime: Option<Setting<String>>,
    pub refresh_after: Option<Setting<String>>,
    pub max_lifetime: Option<Setting<String>>,
    pub refresh_each_request: Option<Setting<bool>>,
    pub max_size: Option<Setting<usize>>,
    pub format: Option<Setting<Format>>,
    pub on_conflict: Option<Setting<OnConflict>>,
    pub encrypted: Option<Setting<bool>>,
    pub accept_signed: Option<Setting<bool>>,
    /// The digits of `version = N`, checked in `valid.rs`.
    pub version: Option<Setting<String>>,
    pub migrate_from: Option<Setting<Type>>,
    /// The Rust name of the user field, checked against the fields in `valid.rs`.
    pub revocable: Option<Setting<String>>,
    pub fail_open: Option<Setting<bool>>,
    pub krate: Option<Setting<Path>>,
}

impl Container {
    /// Parses every `#[session(...)]` on the item; other attributes are not ours.
    pub fn from_attrs(cx: &Ctxt, attrs: &[Attribute]) -> Container {
        let mut container = Container::default();
        for attr in attrs.iter().filter(|attr| attr.path().is_ident(SESSION)) {
            if let Err(error) = attr.parse_nested_meta(|meta| container.parse_key(cx, &meta)) {
                cx.syn_error(error);
            }
        }
        container
    }

    fn parse_key(&mut self, cx: &Ctxt, meta: &ParseNestedMeta) -> syn::Result<()> {
        let value = Value::take(meta)?;
        let key_span = meta.path.span();
        let Some(key) = meta.path.get_ident().and_then(Key::from_ident) else {
            cx.error_spanned(&meta.path, unknown_key(&meta.path));
            return Ok(());
        };
        let at = |lit: Option<Lit>| lit.map(|lit| (lit.span(), lit));
        match key {
            Key::Name => put(cx, key, &mut self.name, text(cx, key, key_span, &value)),
            Key::Domain => put(cx, key, &mut self.domain, text(cx, key, key_span, &value)),
            Key::Path => put(cx, key, &mut self.path, text(cx, key, key_span, &value)),
            Key::Secure => put(cx, key, &mut self.secure, boolean(cx, key, key_span, &value)),
            Key::HttpOnly => put(cx, key, &mut self.http_only, boolean(cx, key, key_span, &value)),
            Key::Partitioned => put(cx, key, &mut self.partitioned, boolean(cx, key, key_span, &value)),
            Key::Permanent => put(cx, key, &mut self.permanent, boolean(cx, key, key_span, &value)),
            Key::RefreshEachRequest => {
                put(cx, key, &mut self.refresh_each_request, boolean(cx, key, key_span, &value))
            }
            Key::Encrypted => put(cx, key, &mut self.encrypted, boolean(cx, key, key_span, &value)),
            Key::AcceptSigned => put(cx, key, &mut self.accept_signed, boolean(cx, key, key_span, &value)),
            Key::FailOpen => put(cx, key, &mut self.fail_open, boolean(cx, key, key_span, &value)),
            Key::Revocable => put(cx, key, &mut self.revocable, text(cx, key, key_span, &value)),
            Key::SameSite => {
                let parsed = string(cx, key, key_span, &value).and_then(|s| word(cx, s, SAME_SITE_WORDS));
                put(cx, key, &mut self.same_site, parsed);
            }
            Key::Format => {
                let parsed = string(cx, key, key_span, &value).and_then(|s| word(cx, s, FORMAT_WORDS));
                put(cx, key, &mut self.format, parsed);
            }
            Key::OnConflict => {
                let parsed = string(cx, key, key_span, &value).and_then(|s| word(cx, s, ON_CONFLICT_WORDS));
                put(cx, key, &mut self.on_conflict, parsed);
            }
            Key::Lifetime | Key::RefreshAfter | Key::MaxLifetime => {
                let parsed = match at(literal(cx, key, key_span, &value)) {
                    Some((span, Lit::Str(text))) => Some(setting(text.value(), key_span, span)),
                    Some((span, Lit::Int(int))) => {
                        Some(setting(int.base10_digits().to_owned(), key_span, span))
                    }
                    Some((_, other)) => wrong_type(cx, key, other),
                    None => None,
                };
                let slot = match key {
                    Key::Lifetime => &mut self.lifetime,
                    Key::MaxLifetime => &mut self.max_lifetime,
                    _ => &mut self.refresh_after,
                };
                put(cx, key, slot, parsed);
            }
            Key::MaxSize => {
                let parsed = match at(literal(cx, key, key_span, &value)) {
                    Some((span, Lit::Int(int))) => match int.base10_parse::<usize>() {
                        Ok(n) => Some(setting(n, key_span, span)),
                        Err(_) => {
                            cx.error(
                                span,
                                "max_size is too large: the default, 4093, is what browsers accept",
                            );
                            None
                        }
                    },
                    Some((_, other)) => wrong_type(cx, key, other),
                    None => None,
                };
                put(cx, key, &mut self.max_size, parsed);
            }
            Key::Version => {
                let parsed = match at(literal(cx, key, key_span, &value)) {
                    Some((span, Lit::Int(int))) => {
                        Some(setting(int.base10_digits().to_owned(), key_span, span))
                    }
                    Some((_, other)) => wrong_type(cx, key, other),
                    None => None,
                };
                put(cx, key, &mut self.version, parsed);
            }
            Key::MigrateFrom => {
                let parsed = string(cx, key, key_span, &value).and_then(|s| type_name(cx, s));
                put(cx, key, &mut self.migrate_from, parsed);
            }
            Key::Crate => {
                let parsed = string(cx, key, key_span, &value).and_then(|s| crate_path(cx, s));
                put(cx, key, &mut self.krate, parsed);
            }
        }
        Ok(())
    }
}

/// What followed a key: nothing, `= tokens`, or a parenthesised list.
enum Value {
    Flag,
    Assigned { eq: Token![=], tokens: TokenStream },
    List(TokenTree),
}

impl Value {
    /// Consumes the value of the current key, whatever it is, so that the next key still parses.
    fn take(meta: &ParseNestedMeta) -> syn::Result<Value> {
        let input = meta.input;
        if input.peek(Token![=]) {
            let eq: Token![=] = input.parse()?;
            let mut tokens = TokenStream::new();
            while !input.is_empty() && !input.peek(Token![,]) {
                tokens.extend([input.parse::<TokenTree>()?]);
            }
            Ok(Value::Assigned { eq, tokens })
        } else if input.peek(token::Paren) || input.peek(token::Bracket) || input.peek(token::Brace) {
            Ok(Value::List(input.parse()?))
        } else {
            Ok(Value::Flag)
        }
    }
}

fn setting<T>(value: T, key: Span, span: Span) -> Setting<T> {
    Setting { value, key, span }
}

/// Stores a parsed setting; a second one is an error on it, with a note on the first.
fn put<T>(cx: &Ctxt, key: Key, slot: &mut Option<Setting<T>>, parsed: Option<Setting<T>>) {
    let Some(new) = parsed else { return };
    match slot {
        Some(first) => {
            cx.error(new.key, format!("duplicate session attribute `{}`: remove one of the two", key.name()));
            cx.error(first.key, format!("`{}` is first set here", key.name()));
        }
        None => *slot = Some(new),
    }
}

fn unknown_key(path: &Path) -> String {
    let written = path.to_token_stream().to_string().replace(' ', "");
    let valid: Vec<String> = Key::ALL.iter().map(|key| format!("`{}`", key.name())).collect();
    let hint = Key::ALL
        .iter()
        .map(|key| (edit_distance(&written, key.name()), key.name()))
        .filter(|&(distance, _)| distance <= 2)
        .min()
        .map(|(_, name)| format!("did you mean `{name}`? "))
        .unwrap_or_default();
    format!("unknown session attribute `{written}`; {hint}valid keys are {}", valid.join(", "))
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let left = row.get(j).copied().unwrap_or(usize::MAX);
            let up = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let best =
                (diagonal + usize::from(ca != *cb)).min(left.saturating_add(1)).min(up.saturating_add(1));
            diagonal = up;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = best;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// The literal after `=`, or an error that says what the key takes.
fn literal(cx: &Ctxt, key: Key, key_span: Span, value: &Value) -> Option<Lit> {
    match value {
        Value::Flag => {
            cx.error(key_span, format!("`{}` needs a value: write `{}`", key.name(), key.example()));
            None
        }
        Value::List(group) => {
            cx.error_spanned(
                group,
                format!("`{}` takes `= value`, not a list: write `{}`", key.name(), key.example()),
            );
            None
        }
        Value::Assigned { eq, tokens } if tokens.is_empty() => {
            cx.error(eq.span, format!("expected a value after `=`: write `{}`", key.example()));
            None
        }
        Value::Assigned { tokens, .. } => match syn::parse2::<Lit>(tokens.clone()) {
            Ok(lit) => Some(lit),
            Err(_) => {
                cx.error_spanned(tokens, expected(key));
                None
            }
        },
    }
}

fn expected(key: Key) -> String {
    let what = match key.kind() {
        Kind::Str => "a string",
        Kind::Bool => "`true` or `false` (or no value, meaning `true`)",
        Kind::Int => "an integer",
        Kind::Lifetime => "a string such as \"31d\" or \"12h30m\", or an integer number of seconds",
        Kind::RefreshAfter => {
            "a string such as \"1h\" or a share of the lifetime such as \"20%\", or an integer number of seconds"
        }
    };
    format!("`{}` takes {what}: write `{}`", key.name(), key.example())
}

fn wrong_type<T>(cx: &Ctxt, key: Key, lit: Lit) -> Option<T> {
    cx.error_spanned(lit, expected(key));
    None
}

fn string(cx: &Ctxt, key: Key, key_span: Span, value: &Value) -> Option<Setting<LitStr>> {
    match literal(cx, key, key_span, value)? {
        Lit::Str(text) => Some(setting(text.clone(), key_span, text.span())),
        other => wrong_type(cx, key, other),
    }
}

fn text(cx: &Ctxt, key: Key, key_span: Span, value: &Value) -> Option<Setting<String>> {
    string(cx, key, key_span, value).map(|text| setting(text.value.value(), text.key, text.span))
}

fn boolean(cx: &Ctxt, key: Key, key_span: Span, value: &Value) -> Option<Setting<bool>> {
    if let Value::Flag = value {
        return Some(setting(true, key_span, key_span));
    }
    match literal(cx, key, key_span, value)? {
        Lit::Bool(flag) => Some(setting(flag.value, key_span, flag.span)),
        other => wrong_type(cx, key, other),
    }
}

/// `"unset"` is `None`: no `SameSite` attribute (`"none"` is `SameSite=None`).
const SAME_SITE_WORDS: &[(&str, Option<SameSite>)] = &[
    ("lax", Some(SameSite::Lax)),
    ("strict", Some(SameSite::Strict)),
    ("none", Some(SameSite::None)),
    ("unset", None),
];
const FORMAT_WORDS: &[(&str, Format)] = &[("native", Format::Native), ("flask", Format::Flask)];

const ON_CONFLICT_WORDS: &[(&str, OnConflict)] =
    &[("last_write", OnConflict::LastWrite), ("reject", OnConflict::Reject)];

/// One of a fixed set of words, case-insensitively.
fn word<T: Copy>(cx: &Ctxt, text: Setting<LitStr>, words: &[(&str, T)]) -> Option<Setting<T>> {
    let written = text.value.value();
    match words.iter().find(|(word, _)| word.eq_ignore_ascii_case(&written)) {
        Some(&(_, value)) => Some(setting(value, text.key, text.span)),
        None => {
            let valid: Vec<String> = words.iter().map(|(word, _)| format!("\"{word}\"")).collect();
            cx.error(text.span, format!("unknown value {written:?}: expected one of {}", valid.join(", ")));
            None
        }
    }
}

/// `crate = "::path"`: an absolute path (from `::` or `crate`), so it means the same in every
/// module.
fn crate_path(cx: &Ctxt, text: Setting<LitStr>) -> Option<Setting<Path>> {
    match text.value.parse::<Path>() {
        Ok(path)
            if path.leading_colon.is_some() || path.segments.first().is_some_and(|s| s.ident == "crate") =>
        {
            Some(setting(path, text.key, text.span))
        }
        Ok(_) => {
            cx.error(
                text.span,
                "`crate` must be an absolute path: start it with `::` (`::my_framework::session_runtime`) or `crate::`",
            );
            None
        }
        Err(error) => {
            cx.syn_error(error);
            None
        }
    }
}

/// `migrate_from = "VisitV1"`: a type, spanned at the string so errors about it point there.
fn type_name(cx: &Ctxt, text: Setting<LitStr>) -> Option<Setting<Type>> {
    match text.value.parse::<Type>() {
        Ok(ty) => Some(setting(ty, text.key, text.span)),
        Err(_) => {
            cx.error(
                text.span,
                "`migrate_from` takes the name of the previous version's type: write `migrate_from = \"VisitV1\"`",
            );
            None
        }
    }
}

/// The JSON keys a field is written and read under, as far as `#[serde(...)]` says.
#[derive(Default)]
pub struct SerdeNames {
    /// `rename = "..."` or `rename(serialize = "...")`.
    pub serialize: Option<LitStr>,
    /// `rename = "..."` or `rename(deserialize = "...")`.
    pub deserialize: Option<LitStr>,
    /// `alias = "..."`, each.
    pub aliases: Vec<LitStr>,
    /// `skip`: the field is neither written nor read.
    pub skip: bool,
}

impl SerdeNames {
    /// Reads the names from a field's `#[serde(...)]` attributes. A malformed serde attribute is
    /// serde_derive's to report, so parse errors are dropped here.
    pub fn from_attrs(attrs: &[Attribute]) -> SerdeNames {
        let mut names = SerdeNames::default();
        for attr in attrs.iter().filter(|attr| attr.path().is_ident(SERDE)) {
            let _ignored_for_serde_to_report = attr.parse_nested_meta(|meta| names.parse_key(&meta));
        }
        names
    }

    fn parse_key(&mut self, meta: &ParseNestedMeta) -> syn::Result<()> {
        if meta.path.is_ident("rename") && meta.input.peek(token::Paren) {
            meta.parse_nested_meta(|inner| {
                let name: LitStr = inner.value()?.parse()?;
                if inner.path.is_ident("serialize") {
                    self.serialize = Some(name);
                } else if inner.path.is_ident("deserialize") {
                    self.deserialize = Some(name);
                }
                Ok(())
            })
        } else if meta.path.is_ident("rename") {
            let name: LitStr = meta.value()?.parse()?;
            self.serialize = Some(name.clone());
            self.deserialize = Some(name);
            Ok(())
        } else if meta.path.is_ident("alias") {
            self.aliases.push(meta.value()?.parse()?);
            Ok(())
        } else {
            self.skip |= meta.path.is_ident("skip");
            Value::take(meta).map(drop)
        }
    }
}
