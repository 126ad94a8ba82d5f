//! The cookie rules for configs written by hand: [`check`] is a `const fn`, so a
//! `CookieConfig::from_static` in a `const` or `static` that breaks a rule does not compile, and
//! the error is the rule's message, the same text as the builder's `ConfigError` (both are
//! rendered by `session_rules::ConstMessage`).

use session_rules::{ConstMessage, Settings, first_problem};

use crate::format::Format;

/// Panics with the message of the first rule `settings` break, or when their `flask_format` is
/// not `format`'s: at compile time when evaluated in a `const` or `static`, at run time otherwise.
// The one way a `const fn` reports an error; a hand-written config that breaks a rule is a
// programming error, as an invalid derive attribute is.
#[allow(clippy::panic)]
pub(crate) const fn check(settings: &Settings<&'static str>, format: Format) {
    if let Some(problem) = first_problem(settings) {
        let message = ConstMessage::new(&problem);
        panic!("{}", message.as_str());
    }
    // The derive writes both from `format = "..."`; a hand-written config could set one only.
    if settings.flask_format != format.is_flask() {
        panic!("`Settings::flask_format` must say whether `format` is `Format::Flask`");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConflictPolicy, CookieConfig, SameSite};

    /// The message `from_static` panics with for `settings`, or `None` when it accepts them.
    fn panic_message(settings: Settings, format: Format) -> Option<String> {
        let payload = std::panic::catch_unwind(|| {
            CookieConfig::from_static(settings, format, ConflictPolicy::LastWrite)
        })
        .err()?;
        Some(match payload.downcast::<String>() {
            Ok(message) => *message,
            Err(payload) => {
                payload.downcast::<&str>().map(|message| (*message).to_owned()).unwrap_or_default()
            }
        })
    }

    /// At run time (outside a `const`) `from_static` panics with the builder's error message.
    #[test]
    fn panics_with_the_builders_message() {
        let d = Settings::DEFAULT;
        assert_eq!(panic_message(d, Format::Native), None);
        for (settings, builder) in [
            (Settings { name: "a\"b c\t\u{7f}é", ..d }, CookieConfig::builder().name("a\"b c\t\u{7f}é")),
            (Settings { path: "app", ..d }, CookieConfig::builder().path("app")),
            (Settings { lifetime: 401 * 86_400, ..d }, CookieConfig::builder().lifetime("401d")),
            (
                Settings { same_site: Some(SameSite::None), ..d },
                CookieConfig::builder().same_site(Some(SameSite::None)),
            ),
            (Settings { accept_signed: true, ..d }, CookieConfig::builder().accept_signed(true)),
        ] {
            let expected = builder.build().unwrap_err().to_string();
            assert_eq!(panic_message(settings, Format::Native), Some(expected));
        }
    }

    /// The settings' view of the format must be the format's.
    #[test]
    fn flask_format_agrees_with_format() {
        let flask = Settings { flask_format: true, ..Settings::DEFAULT };
        let message = panic_message(flask, Format::Native);
        assert!(message.is_some_and(|message| message.contains("flask_format")));
        #[cfg(feature = "flask")]
        assert_eq!(panic_message(flask, Format::Flask), None);
        #[cfg(feature = "flask")]
        assert!(panic_message(Settings::DEFAULT, Format::Flask).is_some());
    }

    /// Usable in a `const`, where the check runs at compile time.
    #[test]
    fn const_evaluation() {
        const HOST: CookieConfig = CookieConfig::from_static(
            Settings { name: "__Host-visit", secure: true, ..Settings::DEFAULT },
            Format::Native,
            ConflictPolicy::LastWrite,
        );
        assert_eq!(HOST.name(), "__Host-visit");
        assert_eq!(CookieConfig::DEFAULT, CookieConfig::builder().build().unwrap());
    }
}
