//! A custom `SessionInterface`: an in-memory server-side store. The cookie carries only a random
//! session id; the data stays on the server. Handler code does not change.
//!
//! `cargo run --example custom_interface`

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use session_runtime::headers::{delete_cookie_line, read_cookie, set_cookie_line};
use session_runtime::save::{CookieAction, SessionState, decide};
use session_runtime::{
    CookieConfig, CookieSink, CookieSource, Error, OpenedSession, Session, SessionInterface,
};

/// Session ids mapped to payloads. A real store would expire entries and bound its memory.
#[derive(Debug, Default)]
struct MemoryStore {
    sessions: Mutex<HashMap<String, Vec<u8>>>,
}

impl MemoryStore {
    fn new_id() -> Result<String, Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| Error::Header(e.to_string()))?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl SessionInterface for MemoryStore {
    fn open_session(&self, config: &CookieConfig, request: &dyn CookieSource) -> OpenedSession {
        let Some(id) = read_cookie(request, config.name()) else { return OpenedSession::default() };
        let Ok(id) = String::from_utf8(id) else { return OpenedSession::default() };
        let sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        match sessions.get(&id) {
            Some(payload) => {
                OpenedSession { payload: Some(payload.clone()), token: Some(id), ..Default::default() }
            }
            None => OpenedSession::default(),
        }
    }

    fn save_session(
        &self,
        config: &CookieConfig,
        state: &SessionState<'_>,
        response: &mut dyn CookieSink,
    ) -> Result<(), Error> {
        // Refreshing a server-side session would only extend its expiry; this store has none.
        let action = decide(state, false)?;
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        match action.cookie {
            CookieAction::Keep => {}
            CookieAction::Delete => {
                if let Some(id) = state.token {
                    sessions.remove(id);
                }
                response.append_set_cookie(delete_cookie_line(config))?;
            }
            CookieAction::Set(payload) => {
                let id = match state.token {
                    Some(id) => id.to_owned(),
                    None => Self::new_id()?,
                };
                sessions.insert(id.clone(), payload.to_vec());
                if state.token.is_none() {
                    response.append_set_cookie(set_cookie_line(config, &id, None, None)?)?;
                }
            }
        }
        if action.vary {
            response.add_vary_cookie();
        }
        Ok(())
    }
}

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "sid")]
struct Cart {
    items: Vec<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store: Arc<dyn SessionInterface> = Arc::new(MemoryStore::default());
    let mut cart = Cart::open_with(&store, &http::Request::new(()));
    cart.items.push("book".into());
    let mut response = http::Response::new(());
    cart.save(&mut response)?;
    let cookie = response.headers()["set-cookie"].to_str()?.split(';').next().unwrap_or_default().to_owned();
    println!("the cookie holds only an id: {cookie}");

    let request = http::Request::builder().header("cookie", &cookie).body(())?;
    let mut cart = Cart::open_with(&store, &request);
    cart.items.push("pen".into());
    let mut response = http::Response::new(());
    cart.save(&mut response)?;
    assert!(response.headers().get("set-cookie").is_none(), "same id: no new cookie");

    let cart = Cart::open_with(&store, &http::Request::builder().header("cookie", &cookie).body(())?);
    println!("server-side data: {:?}", cart.items);
    Ok(())
}
