//! Data whose JSON would not read back is refused at save.
//!
//! Three kinds of data serialize fine but do not read back, so the session would be silently lost (or
//! changed) at the next request:
//!
//! - non-finite floats: serde_json writes `NaN`, `inf` and `-inf` as `null`, which fails to decode
//!   into an `f64` (the whole session is refused with `Rejection::Payload`) or decodes as `None` in
//!   an `Option<f64>`;
//! - nesting deeper than serde_json's parser accepts (128 levels of `[`/`{`, one of which is the
//!   envelope): serialization has no such limit;
//! - `Some` of something written as `null` (`Some(None)` in an `Option<Option<T>>`, `Some(())`,
//!   `Some(Value::Null)`): it reads back as `None`.
//!
//! So before a session is serialized, [`check`] walks the value with a serializer that writes
//! nothing, fails on the first of these and names where it is; `save` turns that into
//! [`Error::Serialize`](crate::error::Error::Serialize) and sends nothing.

use std::fmt;

use serde::Serialize;
use serde::ser;

/// Why data would not read back (or a custom serialization error), with the path to it.
#[derive(Debug)]
pub(crate) struct NotJson {
    path: Vec<String>,
    message: String,
}

impl NotJson {
    fn within(mut self, step: impl fmt::Display) -> Self {
        self.path.push(step.to_string());
        self
    }
}

impl fmt::Display for NotJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The path is stored innermost first; a very deep one is shortened in the middle.
        const SHOWN: usize = 6;
        let len = self.path.len();
        if len > 0 {
            f.write_str("at ")?;
            for (i, step) in self.path.iter().rev().enumerate() {
                if len > 2 * SHOWN && i == SHOWN {
                    write!(f, ".…({} more)…", len - 2 * SHOWN)?;
                }
                if len > 2 * SHOWN && (SHOWN..len - SHOWN).contains(&i) {
                    continue;
                }
                if i > 0 {
                    f.write_str(".")?;
                }
                f.write_str(step)?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for NotJson {}

impl ser::Error for NotJson {
    fn custom<M: fmt::Display>(message: M) -> Self {
        NotJson { path: Vec::new(), message: message.to_string() }
    }
}

/// The deepest JSON nesting (`[` and `{`) the data may have: serde_json's parser refuses the 128th
/// level, and the envelope `{"v": …}` takes one.
pub(crate) const MAX_DEPTH: usize = 126;

/// `Ok` when every float in `value` is finite, its JSON nests at most [`MAX_DEPTH`] levels and no
/// `Some` holds a `null`, i.e. when its JSON reads back as the same value.
pub(crate) fn check<T: Serialize + ?Sized>(value: &T) -> Result<(), NotJson> {
    value.serialize(Walker { depth: MAX_DEPTH, in_some: false })
}

fn too_deep() -> NotJson {
    ser::Error::custom(format_args!(
        "the data nests more than {MAX_DEPTH} levels deep, which serde_json cannot read back"
    ))
}

fn float(value: f64) -> Result<(), NotJson> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(ser::Error::custom(format_args!(
            "the float {value} cannot be stored: JSON has no NaN or infinity (serde_json would write \
             null, which does not read back); keep it out of the session, or store an Option or a string"
        )))
    }
}

/// A serializer that writes nothing and only looks at floats, nesting and `null`s. `depth` is how
/// many more levels of `[`/`{` may open; `in_some` is set directly inside a `Some`, where a `null`
/// would read back as `None`.
#[derive(Clone, Copy)]
struct Walker {
    depth: usize,
    in_some: bool,
}

impl Walker {
    /// The walker for what is inside `levels` more levels of nesting.
    fn enter(self, levels: usize) -> Result<Walker, NotJson> {
        let depth = self.depth.checked_sub(levels).ok_or_else(too_deep)?;
        Ok(Walker { depth, in_some: false })
    }

    /// A `null` is written: fine, unless directly inside a `Some`.
    fn null(self) -> Done {
        if self.in_some {
            Err(ser::Error::custom(
                "`Some(None)` (or `Some` of anything written as null) reads back as `None`; use an enum \
                 to tell the two apart",
            ))
        } else {
            Ok(())
        }
    }
}

type Done = Result<(), NotJson>;

impl ser::Serializer for Walker {
    type Ok = ();
    type Error = NotJson;
    type SerializeSeq = Indexed;
    type SerializeTuple = Indexed;
    type SerializeTupleStruct = Indexed;
    type SerializeTupleVariant = Indexed;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    // JSON nesting per shape, as serde_json writes it: sequences, tuples, maps and structs open one
    // level; a newtype variant is `{"V":…}` (one); tuple and struct variants are `{"V":[…]}` and
    // `{"V":{…}}` (two); options, newtype structs and unit variants open none.

    fn serialize_bool(self, _: bool) -> Done {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Done {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Done {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Done {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Done {
        Ok(())
    }
    fn serialize_i128(self, _: i128) -> Done {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Done {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Done {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Done {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Done {
        Ok(())
    }
    fn serialize_u128(self, _: u128) -> Done {
        Ok(())
    }
    fn serialize_f32(self, value: f32) -> Done {
        float(f64::from(value))
    }
    fn serialize_f64(self, value: f64) -> Done {
        float(value)
    }
    fn serialize_char(self, _: char) -> Done {
        Ok(())
    }
    fn serialize_str(self, _: &str) -> Done {
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Done {
        Ok(())
    }
    fn serialize_none(self) -> Done {
        self.null()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Done {
        value.serialize(Walker { in_some: true, ..self })
    }
    fn serialize_unit(self) -> Done {
        self.null()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Done {
        self.null()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Done {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Done {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Done {
        value.serialize(self.enter(1)?).map_err(|e| e.within(variant))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Indexed, NotJson> {
        Ok(Indexed { walker: self.enter(1)?, index: 0 })
    }
    fn serialize_tuple(self, _: usize) -> Result<Indexed, NotJson> {
        Ok(Indexed { walker: self.enter(1)?, index: 0 })
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Indexed, NotJson> {
        Ok(Indexed { walker: self.enter(1)?, index: 0 })
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Indexed, NotJson> {
        Ok(Indexed { walker: self.enter(2)?, index: 0 })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, NotJson> {
        self.enter(1)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, NotJson> {
        self.enter(1)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, NotJson> {
        self.enter(2)
    }
}

/// Sequences and tuples: counts elements so an error names the index.
struct Indexed {
    walker: Walker,
    index: usize,
}

impl Indexed {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        let index = self.index;
        self.index = self.index.saturating_add(1);
        value.serialize(self.walker).map_err(|e| e.within(format_args!("[{index}]")))
    }
}

/// The four sequence-like serde traits differ only in their method name: each element goes
/// through [`Indexed::element`].
macro_rules! indexed_impl {
    ($($trait:ident :: $method:ident),* $(,)?) => {$(
        impl ser::$trait for Indexed {
            type Ok = ();
            type Error = NotJson;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
                self.element(value)
            }
            fn end(self) -> Done {
                Ok(())
            }
        }
    )*};
}

indexed_impl!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
);

impl ser::SerializeMap for Walker {
    type Ok = ();
    type Error = NotJson;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Done {
        key.serialize(*self).map_err(|e| e.within("<map key>"))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Done {
        value.serialize(*self).map_err(|e| e.within("<map value>"))
    }
    fn end(self) -> Done {
        Ok(())
    }
}

impl ser::SerializeStruct for Walker {
    type Ok = ();
    type Error = NotJson;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Done {
        value.serialize(*self).map_err(|e| e.within(key))
    }
    fn end(self) -> Done {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Walker {
    type Ok = ();
    type Error = NotJson;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Done {
        value.serialize(*self).map_err(|e| e.within(key))
    }
    fn end(self) -> Done {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Serialize)]
    struct Inner {
        ratio: f32,
        list: Vec<Option<f64>>,
    }

    #[derive(Serialize)]
    struct Outer {
        name: String,
        inner: Inner,
        map: BTreeMap<String, f64>,
    }

    #[test]
    fn finite_values_pass_and_non_finite_are_named() {
        let mut value = Outer {
            name: "x".into(),
            inner: Inner { ratio: 0.5, list: vec![Some(1.0), None, Some(f64::MAX)] },
            map: BTreeMap::from([("a".to_owned(), f64::MIN_POSITIVE)]),
        };
        assert!(check(&value).is_ok());
        value.inner.list[1] = Some(f64::NAN);
        assert_eq!(check(&value).unwrap_err().path, ["[1]", "list", "inner"]);
        value.inner.list[1] = None;
        value.inner.ratio = f32::NEG_INFINITY;
        let err = check(&value).unwrap_err().to_string();
        assert!(err.starts_with("at inner.ratio: the float -inf cannot be stored"), "{err}");
        value.inner.ratio = 1.0;
        value.map.insert("b".into(), f64::INFINITY);
        assert!(check(&value).unwrap_err().to_string().starts_with("at map.<map value>: the float inf"));
    }

    #[test]
    fn some_of_null_is_refused() {
        assert!(check(&Some(Some(1))).is_ok());
        assert!(check(&Some(None::<u8>)).unwrap_err().to_string().contains("`Some(None)`"));
        assert!(check(&vec![Some(None::<u8>)]).is_err());
        assert!(check(&Some(())).is_err());
        assert!(check(&Some(serde_json::Value::Null)).is_err());
        assert!(check(&Some(vec![None::<u8>])).is_ok(), "a null inside a list inside Some is fine");
        assert!(check(&None::<Option<u8>>).is_ok());
        #[derive(Serialize)]
        struct Wrapper(Option<u8>);
        assert!(check(&Some(Wrapper(None))).is_err(), "newtype structs are transparent in JSON");
        assert!(check(&Some(Wrapper(Some(1)))).is_ok());
    }

    fn nested(levels: usize) -> serde_json::Value {
        (1..levels).fold(serde_json::json!([]), |inner, _| serde_json::json!([inner]))
    }

    #[test]
    fn nesting_is_limited_to_what_serde_json_reads_back() {
        let envelope = |levels| format!(r#"{{"v":{}}}"#, nested(levels));
        assert!(check(&nested(MAX_DEPTH)).is_ok());
        assert!(serde_json::from_str::<serde_json::Value>(&envelope(MAX_DEPTH)).is_ok());
        assert!(check(&nested(MAX_DEPTH + 1)).unwrap_err().to_string().contains("nests more than 126"));
        assert!(serde_json::from_str::<serde_json::Value>(&envelope(MAX_DEPTH + 1)).is_err());
    }
}
