//! Rendering a problem's message without `core::fmt`, which a `const fn` cannot call:
//! `CookieConfig::from_static` panics with the message in const evaluation, and `Display` shows
//! the same rendering, so the compile error of a hand-written config and the builder's error
//! agree byte for byte.

use core::fmt;

use crate::problem::{Piece, Problem};
use crate::settings::MAX_ATTRIBUTE_LEN;

/// The most bytes a quoted value is shown with. Every value within [`MAX_ATTRIBUTE_LEN`] fits
/// whole: an escape is at most 6 bytes per byte of the value (`\u{1f}`). Longer values (refused
/// for their length) are cut, with `…`: an error message need not repeat megabytes of input.
const VALUE_BUDGET: usize = 6 * MAX_ATTRIBUTE_LEN;

/// The value budget, the longest fixed text of a message, quotes and a number.
const CAPACITY: usize = VALUE_BUDGET + 512;

/// A problem's message, written in a fixed buffer by `const fn`s. `Display` for [`Problem`] shows
/// it; `CookieConfig::from_static` panics with it in const evaluation, where `Display` cannot run.
///
/// The value is quoted as `{:?}` quotes ASCII (`\"`, `\\`, `\t`, `\r`, `\n`, `\0`, other controls
/// as `\u{…}`), and every non-ASCII character is written `\u{…}` too: cookie names, domains and
/// paths must be ASCII, so the character to remove is then visible even when it looks like a
/// space or nothing at all.
///
/// ```
/// use session_rules::{ConstMessage, Problem};
/// const MESSAGE: ConstMessage = ConstMessage::new(&Problem::Name("caf\u{e9}\u{a0}"));
/// assert_eq!(
///     MESSAGE.as_str(),
///     "invalid cookie name \"caf\\u{e9}\\u{a0}\": use letters, digits and !#$%&'*+-.^_`|~ only (RFC 6265 token)",
/// );
/// ```
pub struct ConstMessage {
    bytes: [u8; CAPACITY],
    len: usize,
}

impl ConstMessage {
    /// Renders `problem`'s message.
    ///
    /// ```
    /// use session_rules::{ConstMessage, Problem};
    /// let problem = Problem::LifetimeTooLong(34_646_400);
    /// assert_eq!(ConstMessage::new(&problem).as_str(), problem.to_string());
    /// ```
    pub const fn new(problem: &Problem<&str>) -> ConstMessage {
        let mut message = ConstMessage { bytes: [0; CAPACITY], len: 0 };
        let pieces = problem.pieces();
        let mut rest: &[Piece<'_>] = &pieces;
        while let [piece, tail @ ..] = rest {
            message = match *piece {
                Piece::Text(text) => message.push(text.as_bytes()),
                Piece::Quoted(value) => message.quoted(value),
                Piece::Number(n) => message.number(n),
            };
            rest = tail;
        }
        message
    }

    /// The message.
    ///
    /// ```
    /// use session_rules::{ConstMessage, Problem};
    /// let message = ConstMessage::new(&Problem::MaxSize);
    /// assert_eq!(message.as_str(), "max_size must be at least 1 byte (the default is 4093)");
    /// ```
    pub const fn as_str(&self) -> &str {
        let written = match self.bytes.split_at_checked(self.len) {
            Some((written, _)) => written,
            None => &self.bytes,
        };
        // Only whole UTF-8 sequences are pushed, so this never fails.
        match core::str::from_utf8(written) {
            Ok(text) => text,
            Err(_) => "",
        }
    }

    /// Appends `bytes` whole, or nothing if they do not fit (which `CAPACITY` rules out, and a
    /// test checks for the longest message); never part of a UTF-8 sequence.
    const fn push(mut self, mut bytes: &[u8]) -> ConstMessage {
        if bytes.len() > CAPACITY - self.len {
            return self;
        }
        while let [byte, rest @ ..] = bytes {
            self = self.byte(*byte);
            bytes = rest;
        }
        self
    }

    /// Appends one byte, or nothing once full. (`get_mut` is not a `const fn`.)
    #[allow(clippy::indexing_slicing)] // `len < CAPACITY` is checked first
    const fn byte(mut self, byte: u8) -> ConstMessage {
        if self.len < CAPACITY {
            self.bytes[self.len] = byte;
            self.len += 1;
        }
        self
    }

    /// `value` in double quotes, escaped, cut with `…` past [`VALUE_BUDGET`].
    const fn quoted(mut self, value: &str) -> ConstMessage {
        self = self.push(b"\"");
        let mut rest = value.as_bytes();
        let mut shown = 0;
        while let Some((ch, tail)) = next_char(rest) {
            let escaped = Escaped::of(ch);
            if shown + escaped.len > VALUE_BUDGET {
                self = self.push("…".as_bytes());
                break;
            }
            self = self.push(escaped.as_bytes());
            shown += escaped.len;
            rest = tail;
        }
        self.push(b"\"")
    }

    /// `n` in decimal.
    const fn number(mut self, n: u64) -> ConstMessage {
        let mut divisor = 1;
        while n / divisor >= 10 {
            divisor *= 10;
        }
        while divisor > 0 {
            self = self.byte(b'0' + (n / divisor % 10) as u8);
            divisor /= 10;
        }
        self
    }
}

/// The first character of `bytes` (valid UTF-8, from a `&str`) and what follows it.
const fn next_char(bytes: &[u8]) -> Option<(u32, &[u8])> {
    // The lead byte says how many continuation bytes follow; each carries 6 bits.
    let (ch, rest) = match bytes {
        [] => return None,
        [b0 @ 0..=0x7f, rest @ ..] => (*b0 as u32, rest),
        [b0 @ 0xc0..=0xdf, b1, rest @ ..] => (((*b0 as u32 & 0x1f) << 6) | (*b1 as u32 & 0x3f), rest),
        [b0 @ 0xe0..=0xef, b1, b2, rest @ ..] => {
            (((*b0 as u32 & 0x0f) << 12) | ((*b1 as u32 & 0x3f) << 6) | (*b2 as u32 & 0x3f), rest)
        }
        [b0, b1, b2, b3, rest @ ..] => (
            ((*b0 as u32 & 0x07) << 18)
                | ((*b1 as u32 & 0x3f) << 12)
                | ((*b2 as u32 & 0x3f) << 6)
                | (*b3 as u32 & 0x3f),
            rest,
        ),
        // Not reachable from a `&str`.
        _ => return None,
    };
    Some((ch, rest))
}

/// One character as it appears between the quotes: at most `\u{10ffff}`, 10 bytes.
struct Escaped {
    bytes: [u8; 10],
    len: usize,
}

impl Escaped {
    const fn of(ch: u32) -> Escaped {
        let escaped = Escaped { bytes: [0; 10], len: 0 };
        match ch {
            0x22 => escaped.push(b'\\').push(b'"'),
            0x5c => escaped.push(b'\\').push(b'\\'),
            0x09 => escaped.push(b'\\').push(b't'),
            0x0d => escaped.push(b'\\').push(b'r'),
            0x0a => escaped.push(b'\\').push(b'n'),
            0x00 => escaped.push(b'\\').push(b'0'),
            0x20..=0x7e => escaped.push(ch as u8),
            _ => escaped.unicode(ch),
        }
    }

    /// `\u{…}` in lowercase hex without leading zeros, as `{:?}` writes it.
    const fn unicode(mut self, ch: u32) -> Escaped {
        self = self.push(b'\\').push(b'u').push(b'{');
        let mut shift = 20;
        while shift > 0 && (ch >> shift) == 0 {
            shift -= 4;
        }
        loop {
            let digit = ((ch >> shift) & 0xf) as u8;
            self = self.push(if digit < 10 { b'0' + digit } else { b'a' + digit - 10 });
            if shift == 0 {
                break;
            }
            shift -= 4;
        }
        self.push(b'}')
    }

    #[allow(clippy::indexing_slicing)] // `len < 10` is checked first
    const fn push(mut self, byte: u8) -> Escaped {
        if self.len < self.bytes.len() {
            self.bytes[self.len] = byte;
            self.len += 1;
        }
        self
    }

    const fn as_bytes(&self) -> &[u8] {
        match self.bytes.split_at_checked(self.len) {
            Some((written, _)) => written,
            None => &self.bytes,
        }
    }
}

/// The message. It is rendered by [`ConstMessage`], as `CookieConfig::from_static` renders it in
/// const evaluation, so the two can never differ.
impl<S: AsRef<str>> fmt::Display for Problem<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ConstMessage::new(&self.as_borrowed()).as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::{String, ToString};

    fn quoted(value: &str) -> String {
        ConstMessage { bytes: [0; CAPACITY], len: 0 }.quoted(value).as_str().to_string()
    }

    /// ASCII is quoted exactly as `{:?}` quotes it.
    #[test]
    fn ascii_as_debug() {
        let every_ascii: String = (0u8..0x80).map(char::from).collect();
        for value in ["", "plain", "a\"b\\c\t\r\n\0", "\u{1}\u{1f}\u{7f}", "'", every_ascii.as_str()] {
            assert_eq!(quoted(value), format!("{value:?}"), "{value:?}");
        }
    }

    /// Every non-ASCII character is escaped, printable or not.
    #[test]
    fn non_ascii_is_escaped() {
        assert_eq!(quoted("é"), "\"\\u{e9}\"");
        assert_eq!(quoted("a\u{a0}b"), "\"a\\u{a0}b\"");
        assert_eq!(quoted("\u{200b}"), "\"\\u{200b}\"");
        assert_eq!(quoted("…"), "\"\\u{2026}\"");
        assert_eq!(quoted("\u{10ffff}😀"), "\"\\u{10ffff}\\u{1f600}\"");
        assert_eq!(
            quoted("\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}"),
            "\"\\u{80}\\u{7ff}\\u{800}\\u{ffff}\\u{10000}\""
        );
    }

    /// A value as long as any rule accepts is shown whole even when every byte needs the
    /// longest escape; a longer one is cut with `…`, and the rest of the message still follows.
    #[test]
    fn long_values() {
        let worst = "\u{1f}".repeat(MAX_ATTRIBUTE_LEN + 1);
        let shown = Problem::Path(&worst, "it is longer than 1024 bytes").to_string();
        assert!(
            shown.ends_with("\\u{1f}\\u{1f}…\": it is longer than 1024 bytes"),
            "{}",
            &shown[shown.len() - 80..]
        );
        assert_eq!(shown.matches("\\u{1f}").count(), MAX_ATTRIBUTE_LEN);
        let fits = "\u{1f}".repeat(MAX_ATTRIBUTE_LEN);
        let shown = Problem::Path(&fits, "it must start with `/`").to_string();
        assert_eq!(shown.matches("\\u{1f}").count(), MAX_ATTRIBUTE_LEN);
        assert!(!shown.contains('…'), "{shown}");
        let huge = "é".repeat(100_000);
        let shown = Problem::Name(&huge).to_string();
        assert!(
            shown.len() <= CAPACITY
                && shown.ends_with("…\": use letters, digits and !#$%&'*+-.^_`|~ only (RFC 6265 token)")
        );
    }

    /// The longest fixed text plus the full value budget fits in the buffer.
    #[test]
    fn capacity() {
        let value = "\u{1}".repeat(MAX_ATTRIBUTE_LEN * 2);
        let longest_reason = "it must not contain control characters (they would inject into the header)";
        for problem in [
            Problem::Name(value.as_str()),
            Problem::Domain(&value, longest_reason),
            Problem::Path(&value, longest_reason),
            Problem::LifetimeSyntax(&value),
            Problem::LifetimeTooLong(u64::MAX),
            Problem::SameSiteNoneNeedsSecure,
        ] {
            let rendered = ConstMessage::new(&problem);
            let last_text = problem.pieces().into_iter().rev().find_map(|piece| match piece {
                Piece::Text(text) if !text.is_empty() => Some(text),
                _ => None,
            });
            let last_text = last_text.unwrap_or_default();
            assert!(rendered.as_str().ends_with(last_text), "{}", rendered.as_str());
            assert!(rendered.len < CAPACITY, "{problem:?}");
        }
    }

    #[test]
    fn numbers() {
        for n in [0, 7, 10, 99, 1_000_000, u64::MAX] {
            let message = ConstMessage { bytes: [0; CAPACITY], len: 0 }.number(n);
            assert_eq!(message.as_str(), n.to_string());
        }
    }
}
