//! Flash messages: one-shot messages with a category, kept in the session until taken.

use serde::{Deserialize, Serialize, Serializer};

/// A flash message. On the wire it is the pair `[category, message]`, as Flask keeps it.
///
/// ```
/// use session_runtime::Flash;
/// let flash = Flash::new("error", "wrong password");
/// assert_eq!(serde_json::to_string(&flash).unwrap(), r#"["error","wrong password"]"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(from = "(String, String)")]
pub struct Flash {
    /// The category (Flask's default is `"message"`).
    pub category: String,
    /// The message text.
    pub message: String,
}

impl Flash {
    /// The category Flask uses when none is given.
    pub const DEFAULT_CATEGORY: &'static str = "message";

    /// A flash message with a category.
    pub fn new(category: impl Into<String>, message: impl Into<String>) -> Self {
        Flash { category: category.into(), message: message.into() }
    }
}

/// The pair `[category, message]`, written from borrowed strings (serde's `into` would clone both).
impl Serialize for Flash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.category.as_str(), self.message.as_str()).serialize(serializer)
    }
}

impl From<(String, String)> for Flash {
    fn from((category, message): (String, String)) -> Self {
        Flash { category, message }
    }
}

impl From<Flash> for (String, String) {
    fn from(flash: Flash) -> Self {
        (flash.category, flash.message)
    }
}
