//! A serde `Deserializer` over Python's tagged JSON tree.
//!
//! `deserialize_any` shows the wire form, tags included (`{" t": [...]}`, `{" di": {...}}`), as a
//! plain JSON deserializer would: that is what `serde_json::Value` and
//! [`Value`](super::Value) see. Typed requests interpret it: a map or struct undoes the `" di"`
//! escape, a wrapper type of [`tags`](super::tags) accepts only its own tag, serde bytes accept
//! `{" b": …}`.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::Error;
use super::json::Node;
use super::tags::{self, tag_key_of_name};

/// Deserializes from a borrowed node.
#[derive(Clone, Copy)]
pub(crate) struct NodeDe<'de>(pub(crate) &'de Node);

impl<'de> NodeDe<'de> {
    fn unexpected(self) -> de::Unexpected<'de> {
        match self.0 {
            Node::Null => de::Unexpected::Unit,
            Node::Bool(b) => de::Unexpected::Bool(*b),
            Node::Int(i) => match i64::try_from(*i) {
                Ok(i) => de::Unexpected::Signed(i),
                Err(_) => de::Unexpected::Other("a large integer"),
            },
            Node::BigInt(_) => de::Unexpected::Other("an integer beyond 128 bits"),
            Node::Float(f) => de::Unexpected::Float(*f),
            Node::Str(s) => de::Unexpected::Str(s),
            Node::List(_) => de::Unexpected::Seq,
            Node::Dict(_) => de::Unexpected::Map,
        }
    }

    /// The entries a map or struct sees: `{" di": {KEY__: v, …}}` becomes `{KEY: v}` (Flask's
    /// `TagDict.to_python`: the first key, minus its last two characters).
    fn map_entries(self) -> Result<Entries<'de>, Error> {
        let Node::Dict(entries) = self.0 else {
            return Err(de::Error::invalid_type(self.unexpected(), &"a dict"));
        };
        if let [(key, Node::Dict(inner))] = entries.as_slice()
            && key == " di"
        {
            let (key, value) = inner.first().ok_or_else(|| Error::new("empty `\" di\"` escape"))?;
            return Ok(Entries::Unescaped(Some((strip_last_two(key), value))));
        }
        Ok(Entries::Plain(entries.iter()))
    }
}

/// `key[:-2]` in Python: drop the last two characters (all of a shorter key).
pub(crate) fn strip_last_two(key: &str) -> &str {
    let end = key.char_indices().rev().nth(1).map_or(0, |(i, _)| i);
    key.get(..end).unwrap_or_default()
}

fn visit_int<'de, V: Visitor<'de>>(i: i128, visitor: V) -> Result<V::Value, Error> {
    if let Ok(u) = u64::try_from(i) {
        visitor.visit_u64(u)
    } else if let Ok(s) = i64::try_from(i) {
        visitor.visit_i64(s)
    } else {
        visitor.visit_i128(i)
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Node::Null => visitor.visit_unit(),
            Node::Bool(b) => visitor.visit_bool(*b),
            Node::Int(i) => visit_int(*i, visitor),
            Node::BigInt(text) => match text.parse::<u128>() {
                Ok(u) => visitor.visit_u128(u),
                Err(_) => Err(Error::new(format!("the integer {text} does not fit 128 bits"))),
            },
            Node::Float(f) => visitor.visit_f64(*f),
            Node::Str(s) => visitor.visit_borrowed_str(s),
            Node::List(items) => visit_seq(items, visitor),
            Node::Dict(entries) => visitor.visit_map(MapDe::new(Entries::Plain(entries.iter()))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Node::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Node::Null => visitor.visit_unit(),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        if let Some(key) = tag_key_of_name(name) {
            let is_tag =
                matches!(self.0, Node::Dict(entries) if matches!(entries.as_slice(), [(k, _)] if k == key));
            if !is_tag {
                return Err(de::Error::invalid_type(self.unexpected(), &tags::expected_of_key(key)));
            }
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if let Node::Dict(entries) = self.0
            && let [(key, Node::Str(text))] = entries.as_slice()
            && key == " b"
        {
            return visitor.visit_byte_buf(tags::decode_std_base64(text)?);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(MapDe::new(self.map_entries()?))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Node::List(items) => visit_seq(items, visitor),
            _ => self.deserialize_map(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Node::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Node::Dict(_) => match self.map_entries()? {
                Entries::Unescaped(Some((variant, value))) => visitor.visit_enum(EnumDe { variant, value }),
                Entries::Plain(mut it) => match (it.next(), it.next()) {
                    (Some((variant, value)), None) => visitor.visit_enum(EnumDe { variant, value }),
                    _ => Err(Error::new("an enum is a string or a dict with one key")),
                },
                Entries::Unescaped(None) => Err(Error::new("an enum is a string or a dict with one key")),
            },
            _ => Err(de::Error::invalid_type(self.unexpected(), &"a string or a dict with one key")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        seq tuple tuple_struct identifier
    }
}

fn visit_seq<'de, V: Visitor<'de>>(items: &'de [Node], visitor: V) -> Result<V::Value, Error> {
    let mut seq = SeqDe(items.iter());
    let value = visitor.visit_seq(&mut seq)?;
    if seq.0.next().is_some() {
        return Err(de::Error::invalid_length(items.len(), &"fewer elements in the list"));
    }
    Ok(value)
}

struct SeqDe<'de>(std::slice::Iter<'de, Node>);

impl<'de> de::SeqAccess<'de> for SeqDe<'de> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|node| seed.deserialize(NodeDe(node))).transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

enum Entries<'de> {
    Plain(std::slice::Iter<'de, (String, Node)>),
    Unescaped(Option<(&'de str, &'de Node)>),
}

impl<'de> Iterator for Entries<'de> {
    type Item = (&'de str, &'de Node);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Entries::Plain(it) => it.next().map(|(k, v)| (k.as_str(), v)),
            Entries::Unescaped(one) => one.take(),
        }
    }
}

struct MapDe<'de> {
    entries: Entries<'de>,
    value: Option<&'de Node>,
}

impl<'de> MapDe<'de> {
    fn new(entries: Entries<'de>) -> Self {
        MapDe { entries, value: None }
    }
}

impl<'de> de::MapAccess<'de> for MapDe<'de> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(KeyDe(key)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or_else(|| Error::new("a map value was read before its key"))?;
        seed.deserialize(NodeDe(value))
    }
}

struct EnumDe<'de> {
    variant: &'de str,
    value: &'de Node,
}

impl<'de> de::EnumAccess<'de> for EnumDe<'de> {
    type Error = Error;
    type Variant = NodeDe<'de>;
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, NodeDe<'de>), Error> {
        Ok((seed.deserialize(KeyDe(self.variant))?, NodeDe(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDe<'de> {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(self)
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

/// Dict keys are strings; typed keys (integers, booleans, enums) are parsed from them.
struct KeyDe<'de>(&'de str);

macro_rules! parse_key {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0.parse::<$ty>() {
                Ok(v) => visitor.$visit(v),
                Err(_) => Err(de::Error::invalid_value(de::Unexpected::Str(self.0), &visitor)),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for KeyDe<'de> {
    type Error = Error;
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_borrowed_str(self.0)
    }
    parse_key! {
        deserialize_bool => visit_bool: bool,
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_u128 => visit_u128: u128,
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.0.into_deserializer())
    }
    forward_to_deserialize_any! {
        f32 f64 char str string bytes byte_buf option unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}
