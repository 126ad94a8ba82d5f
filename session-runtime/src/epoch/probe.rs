//! Finds the user of a revocable session in its typed data without knowing the type: the data
//! is serialized into a probe that keeps only the one top-level field named by
//! `#[session(revocable = "field")]` and renders it as the user's key. The user is lent to a
//! visitor ([`visit_user`]): no allocation (an integer is rendered on the stack), and the walk
//! stops at the field.

use std::fmt;

use serde::ser::{self, Impossible, Serialize};

/// The user named by `field` in `data` (a struct or map), as text: a string as it is, an integer
/// in decimal, `None` for `None`, `()`, an empty string, a missing field or a value of another
/// kind (the derive only lets through fields whose type renders, [`EpochUser`](super::EpochUser)).
pub(crate) fn user_of<T: Serialize + ?Sized>(data: &T, field: &str) -> Option<String> {
    let mut user = None;
    visit_user(data, field, &mut |text| user = Some(text.to_owned()));
    user
}

/// Lends the user named by `field` in `data` ([`user_of`]'s rules) to `visit`, which is not
/// called when there is none.
pub(crate) fn visit_user<T: Serialize + ?Sized>(data: &T, field: &str, visit: &mut dyn FnMut(&str)) {
    let _ = data.serialize(Top { field, visit });
}

/// Ends the walk: the field was found (and its user, if any, visited), or the data is not a
/// struct or map.
#[derive(Debug)]
enum Stop {
    Found,
    Other,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("probe stopped")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Stop::Other
    }
}

/// Everything but a struct, a map or a newtype around one ends the walk with nothing.
macro_rules! nothing {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, Stop> { Err(Stop::Other) })*
    };
}

/// The seven compound kinds a probe does not look into.
macro_rules! not_compound {
    ($ok:ty) => {
        type SerializeSeq = Impossible<$ok, Stop>;
        type SerializeTuple = Impossible<$ok, Stop>;
        type SerializeTupleStruct = Impossible<$ok, Stop>;
        type SerializeTupleVariant = Impossible<$ok, Stop>;
        type SerializeStructVariant = Impossible<$ok, Stop>;
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
            Err(Stop::Other)
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Stop> {
            Err(Stop::Other)
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Stop> {
            Err(Stop::Other)
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Stop> {
            Err(Stop::Other)
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, Stop> {
            Err(Stop::Other)
        }
    };
}

/// The session data: looks for `field` among its top-level entries.
struct Top<'f, 'v> {
    field: &'f str,
    visit: &'v mut dyn FnMut(&str),
}

impl<'f, 'v> ser::Serializer for Top<'f, 'v> {
    type Ok = ();
    type Error = Stop;
    type SerializeMap = Entries<'f, 'v>;
    type SerializeStruct = Entries<'f, 'v>;
    not_compound!(());
    nothing!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<V: Serialize + ?Sized>(self, value: &V) -> Result<(), Stop> {
        value.serialize(self)
    }
    fn serialize_newtype_struct<V: Serialize + ?Sized>(self, _: &'static str, value: &V) -> Result<(), Stop> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Result<(), Stop> {
        Err(Stop::Other)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Entries<'f, 'v>, Stop> {
        Ok(Entries { field: self.field, visit: self.visit, matched: false })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Entries<'f, 'v>, Stop> {
        Ok(Entries { field: self.field, visit: self.visit, matched: false })
    }
}

/// The entries of the data; `matched`: the map key just written is the field.
struct Entries<'f, 'v> {
    field: &'f str,
    visit: &'v mut dyn FnMut(&str),
    matched: bool,
}

impl Entries<'_, '_> {
    /// Visits the field's value if it names a user (not empty), and stops the walk.
    fn found<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), Stop> {
        let visit = &mut *self.visit;
        let _ = value.serialize(Scalar {
            visit: &mut |user: &str| {
                if !user.is_empty() {
                    visit(user);
                }
            },
        });
        Err(Stop::Found)
    }
}

impl ser::SerializeStruct for Entries<'_, '_> {
    type Ok = ();
    type Error = Stop;
    fn serialize_field<V: Serialize + ?Sized>(&mut self, key: &'static str, value: &V) -> Result<(), Stop> {
        if key == self.field { self.found(value) } else { Ok(()) }
    }
    fn end(self) -> Result<(), Stop> {
        Err(Stop::Found)
    }
}

impl ser::SerializeMap for Entries<'_, '_> {
    type Ok = ();
    type Error = Stop;
    fn serialize_key<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<(), Stop> {
        let (field, mut matched) = (self.field, false);
        let _ = key.serialize(Scalar { visit: &mut |key: &str| matched = key == field });
        self.matched = matched;
        Ok(())
    }
    fn serialize_value<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), Stop> {
        if self.matched { self.found(value) } else { Ok(()) }
    }
    fn end(self) -> Result<(), Stop> {
        Err(Stop::Found)
    }
}

/// The field's value as text, lent to `visit`: strings and integers (through `Option` and
/// newtypes); anything else is no user (`visit` is not called).
struct Scalar<'v> {
    visit: &'v mut dyn FnMut(&str),
}

impl Scalar<'_> {
    /// Renders an integer on the stack and visits it.
    fn integer(self, n: impl itoa::Integer) -> Result<(), Stop> {
        (self.visit)(itoa::Buffer::new().format(n));
        Ok(())
    }
}

impl ser::Serializer for Scalar<'_> {
    type Ok = ();
    type Error = Stop;
    type SerializeMap = Impossible<(), Stop>;
    type SerializeStruct = Impossible<(), Stop>;

    fn serialize_str(self, text: &str) -> Result<(), Stop> {
        (self.visit)(text);
        Ok(())
    }
    fn serialize_i64(self, n: i64) -> Result<(), Stop> {
        self.integer(n)
    }
    fn serialize_u64(self, n: u64) -> Result<(), Stop> {
        self.integer(n)
    }
    fn serialize_i128(self, n: i128) -> Result<(), Stop> {
        self.integer(n)
    }
    fn serialize_u128(self, n: u128) -> Result<(), Stop> {
        self.integer(n)
    }
    fn serialize_i8(self, n: i8) -> Result<(), Stop> {
        self.integer(n)
    }
    fn serialize_i16(self, n: i16) -> Result<(), Stop> {
        self.integer(n)
    }
    fn serialize_i32(self, n: i32) -> Result<(), Stop> {
        self.integer(n)
    }
    fn serialize_u8(self, n: u8) -> Result<(), Stop> {
        self.integer(n)
    }
    fn serialize_u16(self, n: u16) -> Result<(), Stop> {
        self.integer(n)
    }
    fn serialize_u32(self, n: u32) -> Result<(), Stop> {
        self.integer(n)
    }
    fn serialize_none(self) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_unit(self) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_some<V: Serialize + ?Sized>(self, value: &V) -> Result<(), Stop> {
        value.serialize(self)
    }
    fn serialize_newtype_struct<V: Serialize + ?Sized>(self, _: &'static str, value: &V) -> Result<(), Stop> {
        value.serialize(self)
    }
    nothing!(
        serialize_bool(bool),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );
    fn serialize_newtype_variant<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Result<(), Stop> {
        Err(Stop::Other)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        Err(Stop::Other)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Stop> {
        Err(Stop::Other)
    }
    not_compound!(());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    struct Visit {
        count: u32,
        #[serde(rename = "who")]
        user: Option<String>,
        id: u64,
    }

    #[test]
    fn finds_the_field_as_text() {
        let signed_in = Visit { count: 1, user: Some("ann".into()), id: 42 };
        assert_eq!(user_of(&signed_in, "who").as_deref(), Some("ann"));
        assert_eq!(user_of(&signed_in, "id").as_deref(), Some("42"));
        assert_eq!(user_of(&signed_in, "count").as_deref(), Some("1"));
        assert_eq!(user_of(&Visit { user: None, ..signed_in }, "who"), None);
        assert_eq!(user_of(&Visit { count: 0, user: Some(String::new()), id: 0 }, "who"), None, "empty");
        assert_eq!(user_of(&Visit { count: 0, user: None, id: 0 }, "missing"), None);
        let map = BTreeMap::from([("user", "bo"), ("x", "y")]);
        assert_eq!(user_of(&map, "user").as_deref(), Some("bo"));
        assert_eq!(user_of(&7u8, "user"), None, "not a struct");
        assert_eq!(user_of(&vec![1], "user"), None);
    }
}
