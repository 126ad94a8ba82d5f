//! The `#[session(...)]` keys: their names, what each takes and an example for error messages.
//! Each is an enum variant, described by exhaustive matches here and parsed by its own arm of
//! the exhaustive match in `attr.rs`, so a key cannot be added to one place and not the others.

use syn::Ident;

/// What kind of value a key takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Bool,
    Int,
    /// A string such as `"31d"`, or an integer number of seconds.
    Lifetime,
    /// A duration as `Lifetime`, or a share of the lifetime such as `"20%"`.
    RefreshAfter,
}

/// One `#[session(...)]` key. Each is parsed by its own arm of the exhaustive `match` in
/// `Container::parse_key`, and described by the exhaustive matches below, so a new key cannot be
/// half-added: the compiler lists every place it needs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Key {
    Name,
    Domain,
    Path,
    Secure,
    HttpOnly,
    SameSite,
    Partitioned,
    Permanent,
    Lifetime,
    RefreshEachRequest,
    RefreshAfter,
    MaxLifetime,
    MaxSize,
    Format,
    Encrypted,
    AcceptSigned,
    OnConflict,
    Version,
    MigrateFrom,
    Revocable,
    FailOpen,
    Crate,
}

impl Key {
    /// Every key, in the order the documentation and "valid keys are …" list them.
    pub const ALL: [Key; 22] = [
        Key::Name,
        Key::Domain,
        Key::Path,
        Key::Secure,
        Key::HttpOnly,
        Key::SameSite,
        Key::Partitioned,
        Key::Permanent,
        Key::Lifetime,
        Key::RefreshEachRequest,
        Key::RefreshAfter,
        Key::MaxLifetime,
        Key::MaxSize,
        Key::Format,
        Key::Encrypted,
        Key::AcceptSigned,
        Key::OnConflict,
        Key::Version,
        Key::MigrateFrom,
        Key::Revocable,
        Key::FailOpen,
        Key::Crate,
    ];

    /// The key spelled `ident`, if any.
    pub fn from_ident(ident: &Ident) -> Option<Key> {
        Key::ALL.into_iter().find(|key| ident == key.name())
    }

    /// The key as written in `#[session(...)]`.
    pub const fn name(self) -> &'static str {
        match self {
            Key::Name => "name",
            Key::Domain => "domain",
            Key::Path => "path",
            Key::Secure => "secure",
            Key::HttpOnly => "http_only",
            Key::SameSite => "same_site",
            Key::Partitioned => "partitioned",
            Key::Permanent => "permanent",
            Key::Lifetime => "lifetime",
            Key::RefreshEachRequest => "refresh_each_request",
            Key::RefreshAfter => "refresh_after",
            Key::MaxLifetime => "max_lifetime",
            Key::MaxSize => "max_size",
            Key::Format => "format",
            Key::Encrypted => "encrypted",
            Key::AcceptSigned => "accept_signed",
            Key::OnConflict => "on_conflict",
            Key::Version => "version",
            Key::MigrateFrom => "migrate_from",
            Key::Revocable => "revocable",
            Key::FailOpen => "fail_open",
            Key::Crate => "crate",
        }
    }

    /// What the key takes, for "`key` takes …" errors.
    pub const fn kind(self) -> Kind {
        match self {
            Key::Name
            | Key::Domain
            | Key::Path
            | Key::SameSite
            | Key::Format
            | Key::OnConflict
            | Key::MigrateFrom
            | Key::Revocable
            | Key::Crate => Kind::Str,
            Key::Secure
            | Key::HttpOnly
            | Key::Partitioned
            | Key::Permanent
            | Key::RefreshEachRequest
            | Key::Encrypted
            | Key::AcceptSigned
            | Key::FailOpen => Kind::Bool,
            Key::MaxSize | Key::Version => Kind::Int,
            Key::Lifetime | Key::MaxLifetime => Kind::Lifetime,
            Key::RefreshAfter => Kind::RefreshAfter,
        }
    }

    /// A correct use, for "write `…`" advice.
    pub const fn example(self) -> &'static str {
        match self {
            Key::Name => "name = \"session\"",
            Key::Domain => "domain = \"example.com\"",
            Key::Path => "path = \"/\"",
            Key::Secure => "secure",
            Key::HttpOnly => "http_only = false",
            Key::SameSite => "same_site = \"strict\"",
            Key::Partitioned => "partitioned",
            Key::Permanent => "permanent",
            Key::Lifetime => "lifetime = \"31d\"",
            Key::RefreshEachRequest => "refresh_each_request = false",
            Key::RefreshAfter => "refresh_after = \"20%\"",
            Key::MaxLifetime => "max_lifetime = \"90d\"",
            Key::MaxSize => "max_size = 4093",
            Key::Format => "format = \"native\"",
            Key::Encrypted => "encrypted",
            Key::AcceptSigned => "accept_signed",
            Key::OnConflict => "on_conflict = \"reject\"",
            Key::Version => "version = 2",
            Key::MigrateFrom => "migrate_from = \"VisitV1\"",
            Key::Revocable => "revocable = \"user\"",
            Key::FailOpen => "fail_open",
            Key::Crate => "crate = \"::my_framework::session_runtime\"",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::errors;

    /// `Key::ALL` lists every key once: the match fails to compile when a key is added, and then
    /// the new key needs its place in `ALL` too.
    #[test]
    fn all_lists_every_key_once() {
        let position = |key: Key| match key {
            Key::Name => 0,
            Key::Domain => 1,
            Key::Path => 2,
            Key::Secure => 3,
            Key::HttpOnly => 4,
            Key::SameSite => 5,
            Key::Partitioned => 6,
            Key::Permanent => 7,
            Key::Lifetime => 8,
            Key::RefreshEachRequest => 9,
            Key::RefreshAfter => 10,
            Key::MaxLifetime => 11,
            Key::MaxSize => 12,
            Key::Format => 13,
            Key::Encrypted => 14,
            Key::AcceptSigned => 15,
            Key::OnConflict => 16,
            Key::Version => 17,
            Key::MigrateFrom => 18,
            Key::Revocable => 19,
            Key::FailOpen => 20,
            Key::Crate => 21,
        };
        for (index, key) in Key::ALL.into_iter().enumerate() {
            assert_eq!(position(key), index, "{key:?}");
            let ident = syn::parse_str::<syn::Path>(key.name()).unwrap().get_ident().cloned().unwrap();
            assert_eq!(Key::from_ident(&ident), Some(key));
        }
        assert_eq!(Key::from_ident(&syn::parse_str("nmae").unwrap()), None);
    }

    /// Every key's example is accepted, and goes to that key's own setting: given twice, it is a
    /// duplicate of itself (a key parsed into another key's slot would not be).
    #[test]
    fn each_key_parses_into_its_own_setting() {
        for key in Key::ALL {
            // `secure` too, for the keys whose example needs it (`partitioned`), and `encrypted`
            // for `accept_signed`.
            let secure = match key {
                Key::Secure => "",
                Key::AcceptSigned => "secure, encrypted, ",
                Key::MigrateFrom => "secure, version = 2, ",
                Key::FailOpen => "secure, revocable = \"user\", ",
                _ => "secure, ",
            };
            let once =
                format!("#[derive(Session)] #[session({secure}{})] struct V {{ user: u64 }}", key.example());
            assert_eq!(errors(&once), Vec::<String>::new(), "{once}");
            let twice = format!(
                "#[derive(Session)] #[session({secure}{example})] #[session({example})] struct V {{ user: u64 }}",
                example = key.example()
            );
            let expected = [
                format!("duplicate session attribute `{}`: remove one of the two", key.name()),
                format!("`{}` is first set here", key.name()),
            ];
            assert_eq!(errors(&twice), expected, "{twice}");
        }
    }
}
