//! The cookie rules for configs written by hand: [`check`] is a `const fn`, so a
//! `CookieConfig::from_static` in a `const` or `static` that breaks a rule does not compile, and
//! the error is the rule's message, word for word what the builder's `ConfigError` says (the
//! workspace test `config_rules_agree` compares them).
//!
//! A `const fn` cannot format, so the message is written into a fixed buffer here.

use super::StaticConfig;
use super::rules::{Broken, Parts, first_broken};

/// Panics with the message of the first rule `config` breaks: at compile time when evaluated in
/// a `const` or `static`, at run time otherwise.
pub(crate) const fn check(config: &StaticConfig) {
    let parts = Parts {
        name: config.name,
        domain: config.domain,
        path: config.path,
        secure: config.secure,
        same_site: config.same_site,
        partitioned: config.partitioned,
        lifetime: config.lifetime,
        max_size: config.max_size,
    };
    if let Some(broken) = first_broken(&parts) {
        let message = describe(broken, &parts);
        // The one way a `const fn` reports an error; a hand-written config that breaks a rule is a
        // programming error, as an invalid derive attribute is.
        #[allow(clippy::panic)]
        {
            panic!("{}", message.as_str());
        }
    }
}

/// The message of `ConfigError` for `broken`, as `Display` writes it.
const fn describe(broken: Broken, parts: &Parts<'_>) -> Message {
    let message = Message::new();
    match broken {
        Broken::Name => message
            .text("invalid cookie name ")
            .quoted(parts.name)
            .text(": use letters, digits and !#$%&'*+-.^_`|~ only (RFC 6265 token)"),
        Broken::Domain(problem) => {
            let domain = match parts.domain {
                Some(domain) => domain,
                None => "",
            };
            message.text("invalid cookie domain ").quoted(domain).text(": ").text(problem)
        }
        Broken::Path(problem) => {
            message.text("invalid cookie path ").quoted(parts.path).text(": ").text(problem)
        }
        Broken::LifetimeZero => message.text("the lifetime must be at least one second"),
        Broken::LifetimeTooLong => message
            .text("a lifetime of ")
            .number(parts.lifetime)
            .text(" seconds exceeds 400 days, the most browsers honour"),
        Broken::MaxSize => message.text("max_size must be at least 1 byte (the default is 4093)"),
        Broken::SameSiteNoneNeedsSecure => message.text(
            "same_site = \"none\" requires `secure`: browsers reject SameSite=None cookies without Secure",
        ),
        Broken::PartitionedNeedsSecure => message
            .text("`partitioned` requires `secure`: browsers reject Partitioned cookies without Secure"),
        Broken::SecurePrefixNeedsSecure => {
            message.text("a cookie named `__Secure-…` requires `secure`: browsers reject it otherwise")
        }
        Broken::HostPrefixNeedsSecure => {
            message.text("a cookie named `__Host-…` requires `secure`: browsers reject it otherwise")
        }
        Broken::HostPrefixWithDomain => {
            message.text("a cookie named `__Host-…` must not have a domain: remove `domain`")
        }
        Broken::HostPrefixWithPath => message.text("a cookie named `__Host-…` must have path \"/\""),
    }
}

/// Room for the longest message with a 1024-byte value escaped at 6 bytes a byte (`\u{1f}`);
/// longer values (refused as too long) are cut.
const CAPACITY: usize = 8 * 1024;

/// A message being written in a `const fn`: bytes that are always valid UTF-8 up to a cut.
struct Message {
    bytes: [u8; CAPACITY],
    len: usize,
}

impl Message {
    const fn new() -> Self {
        Message { bytes: [0; CAPACITY], len: 0 }
    }

    /// Appends one byte, or nothing once full.
    #[allow(clippy::indexing_slicing)] // `len < CAPACITY` is checked first
    const fn byte(mut self, byte: u8) -> Self {
        if self.len < CAPACITY {
            self.bytes[self.len] = byte;
            self.len += 1;
        }
        self
    }

    const fn text(mut self, text: &str) -> Self {
        let mut bytes = text.as_bytes();
        while let [byte, rest @ ..] = bytes {
            self = self.byte(*byte);
            bytes = rest;
        }
        self
    }

    /// `value` in double quotes, escaped as `{:?}` escapes ASCII (`\"`, `\\`, `\t`, `\r`, `\n`,
    /// `\0`, other controls as `\u{…}`); other characters are copied (`{:?}` also escapes the
    /// non-printable ones).
    const fn quoted(mut self, value: &str) -> Self {
        self = self.byte(b'"');
        let mut bytes = value.as_bytes();
        while let [byte, rest @ ..] = bytes {
            self = match *byte {
                b'"' => self.text("\\\""),
                b'\\' => self.text("\\\\"),
                b'\t' => self.text("\\t"),
                b'\r' => self.text("\\r"),
                b'\n' => self.text("\\n"),
                0 => self.text("\\0"),
                control @ (0..=0x1f | 0x7f) => {
                    self.text("\\u{").hex_digit(control >> 4, true).hex_digit(control & 0xf, false).byte(b'}')
                }
                other => self.byte(other),
            };
            bytes = rest;
        }
        self.byte(b'"')
    }

    /// One lowercase hex digit; a leading zero is left out when `leading`.
    const fn hex_digit(self, digit: u8, leading: bool) -> Self {
        match digit {
            0 if leading => self,
            0..=9 => self.byte(b'0' + digit),
            _ => self.byte(b'a' + digit - 10),
        }
    }

    /// `n` in decimal.
    const fn number(mut self, n: u64) -> Self {
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

    /// The message, up to the last whole character if it was cut.
    const fn as_str(&self) -> &str {
        let written = match self.bytes.split_at_checked(self.len) {
            Some((written, _)) => written,
            None => &self.bytes,
        };
        match core::str::from_utf8(written) {
            Ok(text) => text,
            Err(error) => match written.split_at_checked(error.valid_up_to()) {
                Some((valid, _)) => match core::str::from_utf8(valid) {
                    Ok(text) => text,
                    Err(_) => "",
                },
                None => "",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SameSite;

    fn message(config: StaticConfig) -> Option<String> {
        let parts = Parts {
            name: config.name,
            domain: config.domain,
            path: config.path,
            secure: config.secure,
            same_site: config.same_site,
            partitioned: config.partitioned,
            lifetime: config.lifetime,
            max_size: config.max_size,
        };
        first_broken(&parts).map(|broken| describe(broken, &parts).as_str().to_owned())
    }

    #[test]
    fn messages_match_config_error() {
        let d = StaticConfig::DEFAULT;
        assert_eq!(message(d), None);
        for (config, expected) in [
            (
                StaticConfig { name: "a\"b\\c\t\0\u{1}\u{7f}é", ..d },
                "invalid cookie name \"a\\\"b\\\\c\\t\\0\\u{1}\\u{7f}é\"",
            ),
            (StaticConfig { domain: Some("example.com:8080"), ..d }, "remove the port"),
            (StaticConfig { path: "app", ..d }, "invalid cookie path \"app\": it must start with `/`"),
            (StaticConfig { lifetime: 0, ..d }, "the lifetime must be at least one second"),
            (StaticConfig { lifetime: 34_646_400, ..d }, "a lifetime of 34646400 seconds exceeds 400 days"),
            (StaticConfig { same_site: Some(SameSite::None), ..d }, "same_site = \"none\" requires `secure`"),
            (StaticConfig { name: "__host-x", secure: true, path: "/a", ..d }, "must have path \"/\""),
        ] {
            let shown = message(config).unwrap();
            assert!(shown.starts_with(expected) || shown.contains(expected), "{shown}");
        }
    }

    #[test]
    fn an_over_long_value_is_cut_at_a_character_boundary() {
        let long = "é".repeat(CAPACITY);
        let shown = message(StaticConfig {
            path: Box::leak(format!("/{long}").into_boxed_str()),
            ..StaticConfig::DEFAULT
        })
        .unwrap();
        assert!(shown.starts_with("invalid cookie path \"/éé") && shown.len() <= CAPACITY, "{}", shown.len());
    }

    #[test]
    fn numbers() {
        for n in [0, 7, 10, 99, 1_000_000, u64::MAX] {
            assert_eq!(Message::new().number(n).as_str(), n.to_string());
        }
    }
}
