//! The session every variant keeps (the small session of benches/support with a flash line: 198 bytes of JSON) and
//! what the two routes do with it, so that every variant does the same work.

use serde::{Deserialize, Serialize};

/// What `GET /` answers when the request has no session (or a refused cookie).
pub const NONE: &str = "none";

/// The first value of `cart[0]`: what the first `POST /` answers.
pub const FIRST: u64 = 1001;

macro_rules! small_session {
    ($(#[$attr:meta])* $name:ident) => {
        /// id, name, CSRF token, a 10-item cart and a flash message.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        $(#[$attr])*
        pub struct $name {
            pub id: u64,
            pub name: String,
            pub csrf: String,
            pub cart: Vec<u64>,
            pub flash: String,
        }

        impl $name {
            pub fn fresh() -> Self {
                $name {
                    id: 48_151_623,
                    name: "Ada Lovelace".into(),
                    csrf: "kq3xZ8vN1rT0bYpW4mLc7dHs9eFjA2uQ6gRiKoVtXyE".into(),
                    cart: (FIRST..FIRST + 10).collect(),
                    flash: "Welcome back, Ada! Your cart was kept.".into(),
                }
            }

            /// `GET /`: the first cart item, or [`NONE`].
            pub fn read(&self) -> String {
                if self.id == 0 { NONE.to_owned() } else { self.cart[0].to_string() }
            }

            /// `POST /`: a new session, or one more of the first cart item; answers its value.
            pub fn change(&mut self) -> String {
                if self.id == 0 {
                    *self = Self::fresh();
                } else {
                    self.cart[0] += 1;
                }
                self.cart[0].to_string()
            }
        }
    };
}

small_session!(
    #[derive(session_runtime::Session)]
    #[session(name = "s")]
    Small
);
small_session!(
    #[derive(session_runtime::Session)]
    #[session(name = "s", encrypted)]
    SmallSealed
);
small_session!(Plain);

/// 64 bytes for the `cookie` crate's signing/encryption keys; 32 for ours.
pub const COOKIE_KEY: &[u8; 64] = b"bench-cookie-key-0123456789abcdefghijklmnopqrstuvwxyz0123456789!";
