//! Wrapper types for the values Flask tags, so a typed struct can hold what a Flask app stores:
//! [`Tuple`] (`" t"`), [`Bytes`] (`" b"`), [`Markup`] (`" m"`), [`Uuid`] (`" u"`) and
//! [`DateTime`] (`" d"`).
//!
//! Each serializes as its one-key tag dict (`{" t": [...]}`), through a newtype struct whose name
//! the Flask serializer recognises, so the tag is never mistaken for a user dict and escaped.
//! With any other serde format they serialize as the same one-key map.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::Error;
use super::json::Node;

/// Flask's registered tag keys (`flask.json.tag.TaggedJSONSerializer.default_tags`).
pub(crate) const TAG_KEYS: [&str; 6] = [" di", " t", " b", " m", " u", " d"];

const NAME_PREFIX: &str = "$session_runtime::flask::tag";
const TUPLE: &str = "$session_runtime::flask::tag t";
const BYTES: &str = "$session_runtime::flask::tag b";
const MARKUP: &str = "$session_runtime::flask::tag m";
const UUID: &str = "$session_runtime::flask::tag u";
const DATETIME: &str = "$session_runtime::flask::tag d";

/// Whether a newtype struct name marks a tag written by a wrapper type.
pub(crate) fn is_tag_name(name: &str) -> bool {
    name.starts_with(NAME_PREFIX)
}

/// The tag key a wrapper's newtype name stands for.
pub(crate) fn tag_key_of_name(name: &str) -> Option<&'static str> {
    match name {
        TUPLE => Some(" t"),
        BYTES => Some(" b"),
        MARKUP => Some(" m"),
        UUID => Some(" u"),
        DATETIME => Some(" d"),
        _ => None,
    }
}

pub(crate) fn expected_of_key(key: &str) -> &'static str {
    match key {
        " t" => "a Flask tuple {\" t\": [...]}",
        " b" => "Flask bytes {\" b\": \"base64\"}",
        " m" => "Flask Markup {\" m\": \"...\"}",
        " u" => "a Flask UUID {\" u\": \"hex\"}",
        " d" => "a Flask datetime {\" d\": \"Www, DD Mon YYYY HH:MM:SS GMT\"}",
        _ => "a Flask tag",
    }
}

/// `{key: value}` as a one-entry map.
struct TagMap<'a, V: ?Sized>(&'static str, &'a V);

impl<V: Serialize + ?Sized> Serialize for TagMap<'_, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.0, self.1)?;
        map.end()
    }
}

/// Reads `{key: T}` (exactly one entry, the expected key).
struct TagVisitor<T> {
    key: &'static str,
    marker: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for TagVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(expected_of_key(self.key))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_map(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let key: Option<String> = map.next_key()?;
        if key.as_deref() != Some(self.key) {
            return Err(de::Error::custom(format_args!("expected {}", expected_of_key(self.key))));
        }
        let value = map.next_value()?;
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom(format_args!("expected {}", expected_of_key(self.key))));
        }
        Ok(value)
    }
}

fn deserialize_tag<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
    name: &'static str,
    key: &'static str,
) -> Result<T, D::Error> {
    deserializer.deserialize_newtype_struct(name, TagVisitor { key, marker: PhantomData })
}

// ---------------------------------------------------------------------------------------------

/// A Python tuple: `{" t": [...]}` on the wire. Wrap a Rust tuple, array or `Vec`.
///
/// ```
/// use session_runtime::flask::{self, Tuple};
/// assert_eq!(flask::to_string(&Tuple((1, "two")))?, r#"{" t":[1,"two"]}"#);
/// let back: Tuple<(u8, String)> = flask::from_str(r#"{" t":[1,"two"]}"#)?;
/// assert_eq!(back.0, (1, "two".to_string()));
/// # Ok::<(), session_runtime::flask::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Tuple<T>(pub T);

impl<T: Serialize> Serialize for Tuple<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(TUPLE, &TagMap(" t", &self.0))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Tuple<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_tag(deserializer, TUPLE, " t").map(Tuple)
    }
}

/// Python `bytes`: `{" b": "<standard padded base64>"}` on the wire.
///
/// ```
/// use session_runtime::flask::{self, Bytes};
/// assert_eq!(flask::to_string(&Bytes(vec![0xff]))?, r#"{" b":"/w=="}"#);
/// # Ok::<(), session_runtime::flask::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(BYTES, &TagMap(" b", &general_purpose::STANDARD.encode(&self.0)))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text: String = deserialize_tag(deserializer, BYTES, " b")?;
        decode_std_base64(&text).map(Bytes).map_err(de::Error::custom)
    }
}

/// Standard base64 as `base64.b64decode` reads what `b64encode` wrote: padded, `+/`; stray low
/// bits in the last character are ignored as Python ignores them.
pub(crate) fn decode_std_base64(text: &str) -> Result<Vec<u8>, Error> {
    const LENIENT_BITS: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    LENIENT_BITS.decode(text).map_err(|e| Error::new(format!("bad base64 in a Flask bytes value: {e}")))
}

pub(crate) fn bytes_node(bytes: &[u8]) -> Node {
    Node::Dict(vec![(" b".to_owned(), Node::Str(general_purpose::STANDARD.encode(bytes)))])
}

/// `markupsafe.Markup`: HTML-safe text, `{" m": "..."}` on the wire.
///
/// ```
/// use session_runtime::flask::{self, Markup};
/// assert_eq!(flask::to_string(&Markup("<b>hi</b>".into()))?, r#"{" m":"<b>hi</b>"}"#);
/// # Ok::<(), session_runtime::flask::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Markup(pub String);

impl Serialize for Markup {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(MARKUP, &TagMap(" m", &self.0))
    }
}

impl<'de> Deserialize<'de> for Markup {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_tag(deserializer, MARKUP, " m").map(Markup)
    }
}

/// `uuid.UUID`: `{" u": "<32 lowercase hex digits>"}` on the wire. Reading accepts what Python's
/// `uuid.UUID(text)` accepts: hyphens, braces, a `urn:uuid:` prefix, either case.
///
/// ```
/// use session_runtime::flask::{self, Uuid};
/// let id: Uuid = "12345678-1234-5678-1234-567812345678".parse()?;
/// assert_eq!(flask::to_string(&id)?, r#"{" u":"12345678123456781234567812345678"}"#);
/// assert_eq!(id.to_string(), "12345678-1234-5678-1234-567812345678");
/// # Ok::<(), session_runtime::flask::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Uuid(pub u128);

impl Uuid {
    /// The 32 lowercase hex digits Flask writes (`UUID.hex`).
    ///
    /// ```
    /// assert_eq!(session_runtime::flask::Uuid(0xAB).simple(), "000000000000000000000000000000ab");
    /// ```
    pub fn simple(&self) -> String {
        format!("{:032x}", self.0)
    }
}

impl fmt::Display for Uuid {
    /// The hyphenated form, as Python's `str(uuid)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.simple();
        let part = |range: std::ops::Range<usize>| hex.get(range).unwrap_or_default();
        write!(f, "{}-{}-{}-{}-{}", part(0..8), part(8..12), part(12..16), part(16..20), part(20..32))
    }
}

impl FromStr for Uuid {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        let hex: String = text.replace("urn:", "").replace("uuid:", "");
        let hex: String = hex.trim_matches(|c| c == '{' || c == '}').chars().filter(|&c| c != '-').collect();
        if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::new(format!("badly formed hexadecimal UUID string {text:?}")));
        }
        u128::from_str_radix(&hex, 16).map(Uuid).map_err(|_| Error::new("badly formed UUID"))
    }
}

impl Serialize for Uuid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(UUID, &TagMap(" u", &self.simple()))
    }
}

impl<'de> Deserialize<'de> for Uuid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text: String = deserialize_tag(deserializer, UUID, " u")?;
        text.parse().map_err(de::Error::custom)
    }
}

/// `datetime.datetime` as Flask keeps it: an instant in UTC with whole seconds,
/// `{" d": "Www, DD Mon YYYY HH:MM:SS GMT"}` on the wire (Werkzeug's `http_date`). Flask always
/// reads these back as aware UTC datetimes and drops microseconds; so does this type.
///
/// ```
/// use session_runtime::flask::{self, DateTime};
/// let at = DateTime::from_unix(1_700_000_000).unwrap();
/// assert_eq!(flask::to_string(&at)?, r#"{" d":"Tue, 14 Nov 2023 22:13:20 GMT"}"#);
/// assert_eq!(at.to_string(), "Tue, 14 Nov 2023 22:13:20 GMT");
/// # Ok::<(), session_runtime::flask::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    unix: i64,
}

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: Python's `datetime` range.
const MIN_UNIX: i64 = -62_135_596_800;
const MAX_UNIX: i64 = 253_402_300_799;

impl DateTime {
    /// The instant `unix` seconds after 1970-01-01T00:00:00Z, if it lies in years 1 to 9999.
    ///
    /// ```
    /// use session_runtime::flask::DateTime;
    /// assert_eq!(DateTime::from_unix(0).unwrap().to_string(), "Thu, 01 Jan 1970 00:00:00 GMT");
    /// assert!(DateTime::from_unix(i64::MAX).is_none());
    /// ```
    pub fn from_unix(unix: i64) -> Option<Self> {
        (MIN_UNIX..=MAX_UNIX).contains(&unix).then_some(DateTime { unix })
    }

    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    ///
    /// ```
    /// let at: session_runtime::flask::DateTime = "Tue, 14 Nov 2023 22:13:20 GMT".parse().unwrap();
    /// assert_eq!(at.unix(), 1_700_000_000);
    /// ```
    pub fn unix(&self) -> i64 {
        self.unix
    }

    /// This instant as a `SystemTime`.
    ///
    /// ```
    /// use session_runtime::flask::DateTime;
    /// let at = DateTime::from_unix(-5).unwrap();
    /// assert_eq!(DateTime::from_system_time(at.to_system_time()), Some(at));
    /// ```
    pub fn to_system_time(&self) -> SystemTime {
        let magnitude = Duration::from_secs(self.unix.unsigned_abs());
        if self.unix >= 0 { UNIX_EPOCH + magnitude } else { UNIX_EPOCH - magnitude }
    }

    /// The instant of `time`, sub-second part dropped (as Werkzeug's `http_date` drops it), if it
    /// lies in years 1 to 9999.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use session_runtime::flask::DateTime;
    /// let at = DateTime::from_system_time(UNIX_EPOCH + Duration::from_millis(1_500)).unwrap();
    /// assert_eq!(at.unix(), 1);
    /// ```
    pub fn from_system_time(time: SystemTime) -> Option<Self> {
        let unix = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).ok()?,
            Err(before) => {
                let d = before.duration();
                let secs = i64::try_from(d.as_secs()).ok()?;
                if d.subsec_nanos() > 0 { -secs - 1 } else { -secs }
            }
        };
        Self::from_unix(unix)
    }
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Days since 1970-01-01 → (year, month 1-12, day 1-31) (Howard Hinnant's civil_from_days).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month 1-12, day 1-31) → days since 1970-01-01.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl fmt::Display for DateTime {
    /// `Www, DD Mon YYYY HH:MM:SS GMT` (`email.utils.format_datetime(dt, usegmt=True)`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.unix.div_euclid(86_400);
        let secs = self.unix.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let weekday = DAYS.get(usize::try_from((days + 3).rem_euclid(7)).unwrap_or(0)).unwrap_or(&"Mon");
        let month = MONTHS.get(usize::try_from(month - 1).unwrap_or(0)).unwrap_or(&"Jan");
        write!(
            f,
            "{weekday}, {day:02} {month} {year:04} {:02}:{:02}:{:02} GMT",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl FromStr for DateTime {
    type Err = Error;

    /// RFC 822 / 2822 dates as `email.utils.parsedate_to_datetime` reads them: an optional
    /// weekday, `DD Mon YYYY HH:MM[:SS]`, and a zone (`GMT`, `UT`, `UTC`, `Z`, `±hhmm`, or
    /// none, meaning UTC as Werkzeug assumes). Two-digit years follow Python's rule.
    fn from_str(text: &str) -> Result<Self, Error> {
        let bad = || Error::new(format!("not an RFC 822 date: {text:?}"));
        let text = text.trim();
        let text = match text.split_once(',') {
            Some((weekday, rest)) if weekday.trim().chars().all(|c| c.is_ascii_alphabetic()) => rest,
            _ => text,
        };
        let mut parts = text.split_whitespace();
        let day: u32 = parts.next().and_then(|d| d.parse().ok()).ok_or_else(bad)?;
        let month = parts.next().ok_or_else(bad)?;
        let month = MONTHS
            .iter()
            .position(|m| month.get(..3).is_some_and(|head| head.eq_ignore_ascii_case(m)))
            .ok_or_else(bad)?;
        let month = u32::try_from(month + 1).map_err(|_| bad())?;
        let year_text = parts.next().ok_or_else(bad)?;
        let mut year: i64 = year_text.parse().map_err(|_| bad())?;
        if year < 100 {
            year += if year > 68 { 1900 } else { 2000 };
        }
        let clock = parts.next().ok_or_else(bad)?;
        let mut hms = clock.split(':').map(|n| n.parse::<i64>());
        let hour = hms.next().and_then(Result::ok).ok_or_else(bad)?;
        let minute = hms.next().and_then(Result::ok).ok_or_else(bad)?;
        let second = match hms.next() {
            Some(s) => s.map_err(|_| bad())?,
            None => 0,
        };
        let offset = match parts.next() {
            None | Some("GMT" | "UT" | "UTC" | "Z" | "-0000" | "+0000") => 0,
            Some(zone) => {
                let (sign, digits) = match zone.split_at_checked(1) {
                    Some(("+", d)) => (1, d),
                    Some(("-", d)) => (-1, d),
                    _ => return Err(bad()),
                };
                if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let n: i64 = digits.parse().map_err(|_| bad())?;
                sign * (n / 100 * 3600 + n % 100 * 60)
            }
        };
        if parts.next().is_some()
            || !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || !(0..24).contains(&hour)
            || !(0..60).contains(&minute)
            || !(0..=61).contains(&second)
            || !(1..=9999).contains(&year)
        {
            return Err(bad());
        }
        let days = days_from_civil(year, month, day);
        if civil_from_days(days) != (year, month, day) {
            return Err(bad());
        }
        let unix = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset;
        DateTime::from_unix(unix).ok_or_else(bad)
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(DATETIME, &TagMap(" d", &self.to_string()))
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text: String = deserialize_tag(deserializer, DATETIME, " d")?;
        text.parse().map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_across_the_python_range() {
        for unix in [-59_011_459_200, -1, 0, 951_782_400, 1_700_000_000, 4_107_542_399, MAX_UNIX] {
            let at = DateTime::from_unix(unix).unwrap();
            assert_eq!(at.to_string().parse::<DateTime>().unwrap(), at, "{at}");
        }
        assert_eq!(DateTime::from_unix(0).unwrap().to_string(), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(DateTime::from_unix(MIN_UNIX).unwrap().to_string(), "Mon, 01 Jan 0001 00:00:00 GMT");
        assert_eq!(DateTime::from_unix(MAX_UNIX).unwrap().to_string(), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(DateTime::from_unix(951_782_400).unwrap().to_string(), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert!(DateTime::from_unix(MAX_UNIX + 1).is_none());

        let parse = |s: &str| s.parse::<DateTime>().map(|d| d.unix());
        assert_eq!(parse("14 Nov 2023 23:13:20 +0100").unwrap(), 1_700_000_000);
        assert_eq!(parse("Tue, 14 Nov 23 22:13 GMT").unwrap(), 1_699_999_980);
        assert!(parse("Tue, 30 Feb 2023 00:00:00 GMT").is_err());
        assert!(parse("yesterday").is_err());
        // Python's `parsedate` reads years under 100 as 19xx/20xx, so year 1 comes back as 2001.
        assert_eq!(parse("Mon, 01 Jan 0001 00:00:00 GMT").unwrap(), 978_307_200);
        assert!(parse("").is_err());
    }

    #[test]
    fn uuids_parse_as_python_does() {
        let id = Uuid(0x1234_5678_1234_5678_1234_5678_1234_5678);
        for text in [
            "12345678123456781234567812345678",
            "12345678-1234-5678-1234-567812345678",
            "{12345678-1234-5678-1234-567812345678}",
            "urn:uuid:12345678-1234-5678-1234-567812345678",
            "12345678-1234-5678-1234-567812345678".to_uppercase().as_str(),
        ] {
            assert_eq!(text.parse::<Uuid>().unwrap(), id, "{text}");
        }
        assert!("1234".parse::<Uuid>().is_err());
        assert!("g2345678123456781234567812345678".parse::<Uuid>().is_err());
    }

    #[test]
    fn bytes_base64_is_standard_and_padded() {
        assert_eq!(decode_std_base64("/w==").unwrap(), [0xff]);
        assert_eq!(decode_std_base64("/x==").unwrap(), [0xff], "trailing bits ignored as in Python");
        assert!(decode_std_base64("/w").is_err(), "Python requires the padding");
        assert!(decode_std_base64("_w==").is_err());
    }
}
