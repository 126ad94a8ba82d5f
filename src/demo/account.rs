//! The demo's account page: where you're signed in (each session's device, when it began, when
//! it was last seen, this one marked), sign out one device, or every other one.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Extension, Form};
use axum::http::HeaderMap;
use axum::response::{Html, Redirect};
use serde::{Deserialize, Serialize};
use session_runtime::{Error, ServerSideSessionInterface, SessionHandle, SessionInfo, Tracked};

use super::{Visit, escape};

/// How the demo's account page reaches the sessions.
#[derive(Debug, Clone)]
pub enum Accounts {
    /// Sessions in a signed cookie: the server keeps no list of them, but with an epoch source
    /// on the backend (`with_epochs`; [`Visit`] is revocable by user) the page signs out every
    /// other device (`sign_out_other_devices`).
    Cookie,
    /// Server-side sessions (their backend indexes by `user` and labels by `device`: see
    /// [`server_side_accounts`]).
    ServerSide(Arc<ServerSideSessionInterface>),
}

/// `backend` set up for the account page: indexed by the signed-in user, labelled by device.
///
/// ```
/// use session_runtime::{Keys, SecretKey, ServerSideSessionInterface};
/// let backend = session_workspace::demo::server_side_accounts(ServerSideSessionInterface::memory(Keys::new(SecretKey::generate()?)));
/// # let _ = backend;
/// # Ok::<(), session_runtime::KeyError>(())
/// ```
pub fn server_side_accounts(backend: ServerSideSessionInterface) -> ServerSideSessionInterface {
    backend.with_user_index("user").with_label_field("device")
}

/// One row of `/api/sessions`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Listed {
    /// The opaque handle, for `POST /account/revoke`.
    pub handle: String,
    /// The device, from the `User-Agent` at sign-in.
    pub label: Option<String>,
    /// When the session began (Unix seconds).
    pub created: Option<u64>,
    /// When it was last seen (Unix seconds).
    pub last_seen: u64,
    /// Whether it is the session that asked.
    pub current: bool,
}

impl From<SessionInfo> for Listed {
    fn from(info: SessionInfo) -> Self {
        Listed {
            handle: info.handle.to_string(),
            label: info.label,
            created: info.created,
            last_seen: info.last_seen,
            current: info.current,
        }
    }
}

/// A short device name from a `User-Agent` ("Firefox on Linux"), for the account page.
pub fn device_label(headers: &HeaderMap) -> String {
    let agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let browser = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        .iter()
        .find(|(token, _)| agent.contains(token))
        .map(|&(_, name)| name);
    let system = [("Android", "Android"), ("iPhone", "iPhone"), ("Windows", "Windows"), ("Mac OS", "macOS")]
        .iter()
        .chain(&[("Linux", "Linux")])
        .find(|(token, _)| agent.contains(token))
        .map(|&(_, name)| name);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(name), None) | (None, Some(name)) => name.to_owned(),
        // Not a browser: the first word of the agent, short (curl, a test client).
        (None, None) => agent
            .split(['/', ' '])
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("Unknown device")
            .chars()
            .take(40)
            .collect(),
    }
}

/// `GET /api/sessions`: the signed-in user's sessions, as JSON (empty when nobody is signed in
/// or the sessions live in a cookie).
pub async fn api_sessions(
    visit: Tracked<Visit>,
    Extension(accounts): Extension<Arc<Accounts>>,
) -> axum::Json<Vec<Listed>> {
    let listed = match &*accounts {
        Accounts::ServerSide(backend) => backend.sessions_of(&visit).await.unwrap_or_default(),
        Accounts::Cookie => Vec::new(),
    };
    axum::Json(listed.into_iter().map(Listed::from).collect())
}

/// `GET /account`.
pub async fn page(mut visit: Tracked<Visit>, Extension(accounts): Extension<Arc<Accounts>>) -> Html<String> {
    let mut page = String::from(
        "<!doctype html><html><head><meta charset=utf-8><title>Where you're signed in</title>\
         <style>body{font-family:sans-serif;max-width:40em;margin:2em auto}td{padding:.2em .6em}\
         .error{color:#b00}.message{color:#070}</style></head><body><h1>Where you're signed in</h1>",
    );
    for flash in visit.take_flashes() {
        let _ = write!(page, "<p class=\"{}\">{}</p>", escape(&flash.category), escape(&flash.message));
    }
    match (&*accounts, visit.user.is_some()) {
        (_, false) => page.push_str("<p id=signed-out>You are not signed in.</p>"),
        (Accounts::Cookie, true) => page.push_str(
            "<p id=revocable>This device's session is a signed cookie: the server keeps no list of the \
             others, but can make every other cookie of yours invalid.</p>\
             <form method=post action=/account/others><button id=revoke-others>Sign out everywhere else\
             </button></form>",
        ),
        (Accounts::ServerSide(backend), true) => match backend.sessions_of(&visit).await {
            Ok(sessions) => table(&mut page, &sessions),
            Err(error) => {
                let _ = write!(
                    page,
                    "<p class=error>The sessions could not be listed: {}</p>",
                    escape(&error.to_string())
                );
            }
        },
    }
    page.push_str("<p><a href=\"/\">Back</a></p></body></html>");
    Html(page)
}

fn table(page: &mut String, sessions: &[SessionInfo]) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    page.push_str("<table id=sessions><tr><th>Device</th><th>Signed in</th><th>Last seen</th><th></th></tr>");
    for session in sessions {
        let label = session.label.as_deref().unwrap_or("Unknown device");
        let action = if session.current {
            "<b class=current>this device</b>".to_owned()
        } else {
            format!(
                "<form method=post action=/account/revoke><input type=hidden name=handle value=\"{}\">\
                 <button class=revoke>Sign out</button></form>",
                escape(session.handle.as_str())
            )
        };
        let _ = write!(
            page,
            "<tr class=session><td class=label>{}</td><td>{}</td><td>{}</td><td>{action}</td></tr>",
            escape(label),
            session.created.map_or_else(|| "unknown".to_owned(), |created| ago(now, created)),
            ago(now, session.last_seen)
        );
    }
    page.push_str(
        "</table><form method=post action=/account/others><button id=revoke-others>Sign out everywhere else</button></form>",
    );
}

/// "just now", "5 min ago", "3 h ago", "2 days ago".
fn ago(now: u64, then: u64) -> String {
    match now.saturating_sub(then) {
        0..60 => "just now".to_owned(),
        s @ 60..3600 => format!("{} min ago", s / 60),
        s @ 3600..86_400 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

/// The form of `POST /account/revoke`.
#[derive(Deserialize)]
pub struct RevokeForm {
    handle: String,
}

/// `POST /account/revoke`: signs out the device the handle names.
pub async fn revoke(
    mut visit: Tracked<Visit>,
    Extension(accounts): Extension<Arc<Accounts>>,
    Form(form): Form<RevokeForm>,
) -> Redirect {
    if let Accounts::ServerSide(backend) = &*accounts {
        match backend.revoke(&visit, &SessionHandle::from(form.handle)).await {
            Ok(()) => visit.flash("Signed out that device."),
            Err(Error::UnknownHandle) => visit.flash_with("error", "That session had already ended."),
            Err(error) => visit.flash_with("error", format!("Nothing was signed out: {error}")),
        }
    }
    Redirect::to("/account")
}

/// `POST /account/others`: signs out every device but this one.
pub async fn revoke_others(
    mut visit: Tracked<Visit>,
    Extension(accounts): Extension<Arc<Accounts>>,
) -> Redirect {
    match &*accounts {
        Accounts::ServerSide(backend) => match backend.revoke_others(&visit).await {
            Ok(ended) => visit.flash(format!("Signed out {ended} other device(s).")),
            Err(error) => visit.flash_with("error", format!("Nothing was signed out: {error}")),
        },
        // Bumps the user's epoch and re-issues this device's cookie with it on this response.
        Accounts::Cookie => match visit.sign_out_other_devices().await {
            Ok(_) => visit.flash("Signed out every other device."),
            Err(error) => visit.flash_with("error", format!("Nothing was signed out: {error}")),
        },
    }
    Redirect::to("/account")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_named_from_the_user_agent() {
        let label = |agent: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(axum::http::header::USER_AGENT, agent.parse().unwrap());
            device_label(&headers)
        };
        assert_eq!(
            label("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"),
            "Firefox on Linux"
        );
        assert_eq!(
            label(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
            ),
            "Safari on iPhone"
        );
        assert_eq!(
            label("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"),
            "Chrome on Linux"
        );
        assert_eq!(label("curl/8.5.0"), "curl");
        assert_eq!(device_label(&HeaderMap::new()), "Unknown device");
        assert_eq!(ago(1000, 1000), "just now");
        assert_eq!(ago(1000 + 7200, 1000), "2 h ago");
    }
}
