//! The cookie rules for configs written by hand: [`check`] is a `const fn`, so a
//! `CookieConfig::from_static` in a `const` or `static` that breaks a rule does not compile, and
//! the error is the rule's message, the same text as the builder's `ConfigError` (both are
//! rendered by `session_rules::ConstMessage`).

use session_rules::{ConstMessage, first_problem};

use super::StaticConfig;

/// Panics with the message of the first rule `config` breaks: at compile time when evaluated in
/// a `const` or `static`, at run time otherwise.
pub(crate) const fn check(config: &StaticConfig) {
    if let Some(problem) = first_problem(&config.settings()) {
        let message = ConstMessage::new(&problem);
        // The one way a `const fn` reports an error; a hand-written config that breaks a rule is a
        // programming error, as an invalid derive attribute is.
        #[allow(clippy::panic)]
        {
            panic!("{}", message.as_str());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CookieConfig, SameSite};

    /// The message `from_static` panics with for `parts`, or `None` when it accepts them.
    fn panic_message(parts: StaticConfig) -> Option<String> {
        let payload = std::panic::catch_unwind(|| CookieConfig::from_static(parts)).err()?;
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
        let d = StaticConfig::DEFAULT;
        assert_eq!(panic_message(d), None);
        for (parts, builder) in [
            (StaticConfig { name: "a\"b c\t\u{7f}é", ..d }, CookieConfig::builder().name("a\"b c\t\u{7f}é")),
            (StaticConfig { path: "app", ..d }, CookieConfig::builder().path("app")),
            (StaticConfig { lifetime: 401 * 86_400, ..d }, CookieConfig::builder().lifetime("401d")),
            (
                StaticConfig { same_site: Some(SameSite::None), ..d },
                CookieConfig::builder().same_site(Some(SameSite::None)),
            ),
            (StaticConfig { accept_signed: true, ..d }, CookieConfig::builder().accept_signed(true)),
        ] {
            let expected = builder.build().unwrap_err().to_string();
            assert_eq!(panic_message(parts), Some(expected));
        }
    }

    /// Usable in a `const`, where the check runs at compile time.
    #[test]
    fn const_evaluation() {
        const HOST: CookieConfig = CookieConfig::from_static(StaticConfig {
            name: "__Host-visit",
            secure: true,
            ..StaticConfig::DEFAULT
        });
        assert_eq!(HOST.name(), "__Host-visit");
        assert_eq!(CookieConfig::DEFAULT, CookieConfig::builder().build().unwrap());
    }
}
