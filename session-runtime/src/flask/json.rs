//! Python's JSON, exactly: a reader that accepts what `json.loads` accepts (big integers, `NaN`,
//! `Infinity`) and a writer that produces what Flask's
//! `json.dumps(value, separators=(",", ":"), ensure_ascii=True, sort_keys=True)` produces.
//!
//! The tree ([`Node`]) is the wire form: tags such as `{" t": [...]}` are ordinary one-key dicts
//! here; giving them meaning is the job of the serde layer and of [`Value`](super::Value).

use std::fmt::Write;

use super::Error;

/// How deep arrays and objects may nest (serde_json's limit). Deeper input is refused instead of
/// risking the stack.
pub(crate) const MAX_DEPTH: usize = 128;

/// A JSON value as Python holds it after `json.loads`, before any tag is interpreted.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    /// An integer that fits `i128`.
    Int(i128),
    /// An integer beyond `i128`, as its decimal text (Python integers are unbounded).
    BigInt(String),
    Float(f64),
    Str(String),
    List(Vec<Node>),
    /// Entries in the order of the text, keys unique (a repeated key keeps its first position and
    /// its last value, as a Python dict does).
    Dict(Vec<(String, Node)>),
}

// ---------------------------------------------------------------------------------------------
// Writer

/// Writes `node` as Flask writes JSON: compact, keys sorted by code point at every level,
/// `ensure_ascii`, Python float `repr`.
pub(crate) fn write(node: &Node, out: &mut String) {
    match node {
        Node::Null => out.push_str("null"),
        Node::Bool(true) => out.push_str("true"),
        Node::Bool(false) => out.push_str("false"),
        Node::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Node::BigInt(text) => out.push_str(text),
        Node::Float(f) => push_float(*f, out),
        Node::Str(s) => push_str(s, out),
        Node::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Node::Dict(entries) => {
            // Code-point order is UTF-8 byte order, which is `str`'s `Ord`. A stable sort keeps
            // repeated keys (possible only from a hand-written serializer) in order; the last wins.
            let mut sorted: Vec<&(String, Node)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            let mut first = true;
            for (i, (key, value)) in sorted.iter().map(|e| (&e.0, &e.1)).enumerate() {
                if sorted.get(i + 1).is_some_and(|next| next.0 == *key) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                push_str(key, out);
                out.push(':');
                write(value, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string with `ensure_ascii`: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, every other
/// character outside `0x20..=0x7e` as `\uXXXX` with lowercase hex, non-BMP characters as a
/// surrogate pair.
pub(crate) fn push_str(s: &str, out: &mut String) {
    out.push('"');
    // Most keys and values are printable ASCII without `"` or `\\`: copied in one piece.
    let plain =
        s.bytes().position(|b| !matches!(b, b' '..=b'~') || b == b'"' || b == b'\\').unwrap_or(s.len());
    let (head, rest) = s.split_at(plain);
    out.push_str(head);
    let mut units = [0u16; 2];
    for c in rest.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                for unit in c.encode_utf16(&mut units).iter() {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `float.__repr__`: the shortest digits that round-trip, fixed notation for decimal
/// exponents in `-4..16` (with `.0` for integral values), else `d.ddde±XX`; `NaN`, `Infinity`,
/// `-Infinity` as Python's `json` writes them.
pub(crate) fn push_float(x: f64, out: &mut String) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits too: "1.2345e-7", "1e16", "-0e0".
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if negative {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = usize::try_from(exp).unwrap_or(0) + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
                out.push_str(".0");
            } else {
                let (int_part, frac) = digits.split_at(int_len);
                out.push_str(int_part);
                out.push('.');
                out.push_str(frac);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', usize::try_from(-exp - 1).unwrap_or(0)));
            out.push_str(&digits);
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.unsigned_abs());
    }
}

// ---------------------------------------------------------------------------------------------
// Reader

/// Parses JSON text as Python's `json.loads` does (strict mode): standard JSON plus `NaN`,
/// `Infinity`, `-Infinity` and integers of any size. Lone surrogates, which Python would keep in
/// a `str`, cannot be held by a Rust `String` and are refused.
pub(crate) fn parse(text: &[u8]) -> Result<Node, Error> {
    let text = std::str::from_utf8(text).map_err(|_| Error::new("the JSON text is not UTF-8"))?;
    let mut parser = Parser { text, pos: 0 };
    parser.skip_ws();
    let node = parser.value(0)?;
    parser.skip_ws();
    if parser.pos != text.len() {
        return Err(parser.error("trailing characters after the JSON value"));
    }
    Ok(node)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> Error {
        Error::new(format!("invalid JSON at byte {}: {what}", self.pos))
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.text.get(self.pos..).is_some_and(|rest| rest.starts_with(literal)) {
            self.pos += literal.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, Error> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Node::Str(self.string()?)),
            Some(b'n') if self.eat("null") => Ok(Node::Null),
            Some(b't') if self.eat("true") => Ok(Node::Bool(true)),
            Some(b'f') if self.eat("false") => Ok(Node::Bool(false)),
            Some(b'N') if self.eat("NaN") => Ok(Node::Float(f64::NAN)),
            Some(b'I') if self.eat("Infinity") => Ok(Node::Float(f64::INFINITY)),
            Some(b'-') if self.eat("-Infinity") => Ok(Node::Float(f64::NEG_INFINITY)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Node, Error> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.pos += 1;
        let mut entries: Vec<(String, Node)> = Vec::new();
        self.skip_ws();
        if self.eat("}") {
            return Ok(Node::Dict(entries));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            self.skip_ws();
            if !self.eat(":") {
                return Err(self.error("expected `:`"));
            }
            self.skip_ws();
            let value = self.value(depth)?;
            entries.push((key, value));
            self.skip_ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("}") {
                return Ok(Node::Dict(dedup(entries)));
            }
            return Err(self.error("expected `,` or `}`"));
        }
    }

    fn array(&mut self, depth: usize) -> Result<Node, Error> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.eat("]") {
            return Ok(Node::List(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("]") {
                return Ok(Node::List(items));
            }
            return Err(self.error("expected `,` or `]`"));
        }
    }

    /// `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`: an integer without fraction or exponent, else a
    /// float (correctly rounded, overflowing to infinity as Python's `float()` does).
    fn number(&mut self) -> Result<Node, Error> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let digits = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let mut i = start;
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
        match bytes.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = digits(i),
            _ => return Err(self.error("invalid number")),
        }
        let mut is_float = false;
        if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i = digits(i + 1);
            is_float = true;
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(bytes.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if bytes.get(j).is_some_and(u8::is_ascii_digit) {
                i = digits(j);
                is_float = true;
            }
        }
        self.pos = i;
        let text = self.text.get(start..i).ok_or_else(|| self.error("invalid number"))?;
        if is_float {
            text.parse::<f64>().map(Node::Float).map_err(|_| self.error("invalid number"))
        } else {
            Ok(text.parse::<i128>().map_or_else(|_| Node::BigInt(text.to_owned()), Node::Int))
        }
    }

    fn string(&mut self) -> Result<String, Error> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = self.text.get(self.pos..).ok_or_else(|| self.error("unterminated string"))?;
            let plain = rest.find(|c: char| c == '"' || c == '\\' || c < ' ');
            let Some(stop) = plain else { return Err(self.error("unterminated string")) };
            out.push_str(rest.get(..stop).unwrap_or_default());
            self.pos += stop;
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escape = self.peek().ok_or_else(|| self.error("unterminated string"))?;
                    self.pos += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return Err(self.error("invalid escape")),
                    }
                }
                _ => return Err(self.error("control character in string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self.text.get(self.pos..self.pos + 4).ok_or_else(|| self.error("short \\u escape"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.error("invalid \\u escape"));
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))
    }

    fn unicode_escape(&mut self) -> Result<char, Error> {
        let first = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&first) {
            if !self.eat("\\u") {
                return Err(self.error("lone surrogate"));
            }
            let second = self.hex4()?;
            if !(0xdc00..0xe000).contains(&second) {
                return Err(self.error("lone surrogate"));
            }
            0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("lone surrogate"))
    }
}

/// Makes keys unique as a Python dict does: first position, last value.
fn dedup(entries: Vec<(String, Node)>) -> Vec<(String, Node)> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| entries.get(a).map(|e| &e.0).cmp(&entries.get(b).map(|e| &e.0)));
    let repeated = order.windows(2).any(|w| match w {
        [a, b] => entries.get(*a).map(|e| &e.0) == entries.get(*b).map(|e| &e.0),
        _ => false,
    });
    if !repeated {
        return entries;
    }
    let mut out: Vec<(String, Node)> = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => out.push((key, value)),
        }
    }
    out
}

/// Parses and rewrites JSON text in Flask's exact form.
pub(crate) fn canonical(text: &[u8]) -> Result<String, Error> {
    let node = parse(text)?;
    let mut out = String::with_capacity(text.len());
    write(&node, &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn float(x: f64) -> String {
        let mut s = String::new();
        push_float(x, &mut s);
        s
    }

    #[test]
    fn python_float_repr() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1234567890123456.0, "1234567890123456.0"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-5, "1.5e-05"),
            (-2.5e-7, "-2.5e-07"),
            (1e22, "1e+22"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (123.456, "123.456"),
            (100.0, "100.0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (x, expected) in cases {
            assert_eq!(float(*x), *expected, "{x:?}");
        }
    }

    #[test]
    fn ensure_ascii_strings() {
        let mut s = String::new();
        push_str("a\"\\\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}é\u{2028}😀</>&'", &mut s);
        assert_eq!(s, r#""a\"\\\n\r\t\b\f\u0000\u001f\u007f\u00e9\u2028\ud83d\ude00</>&'""#);
    }

    #[test]
    fn sorted_compact_output() {
        let node = parse(br#"{"b": [1, 2.50, {"z": null, "a": true}], "a": "x", "_": 100000000000000000000000000000000000000000}"#).unwrap();
        let mut out = String::new();
        write(&node, &mut out);
        assert_eq!(
            out,
            r#"{"_":100000000000000000000000000000000000000000,"a":"x","b":[1,2.5,{"a":true,"z":null}]}"#
        );
    }

    #[test]
    fn reader_is_python_strict() {
        assert_eq!(parse(b"NaN").map(|n| matches!(n, Node::Float(f) if f.is_nan())), Ok(true));
        assert_eq!(parse(b"-Infinity").unwrap(), Node::Float(f64::NEG_INFINITY));
        assert_eq!(parse(b"1e400").unwrap(), Node::Float(f64::INFINITY));
        assert_eq!(parse(b"-0").unwrap(), Node::Int(0));
        assert_eq!(parse(b"1.0").unwrap(), Node::Float(1.0));
        assert_eq!(parse(br#""\ud83d\ude00\u00E9""#).unwrap(), Node::Str("😀é".into()));
        assert_eq!(
            parse(br#"{"a":1,"b":2,"a":3}"#).unwrap(),
            Node::Dict(vec![("a".into(), Node::Int(3)), ("b".into(), Node::Int(2))])
        );
        for bad in [
            &b""[..],
            b"01",
            b"1.",
            b"+1",
            b"[1,]",
            b"{\"a\"}",
            b"\"\\ud800\"",
            b"\"a\nb\"",
            b"nul",
            b"{} x",
            b"\"\\x\"",
            b"\xff",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).is_err());
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
    }
}
