//! The demo app: sign in and out, a counter, a cart, flash messages, a "remember me" toggle and
//! an account page ("where you're signed in", `account.rs`), with one typed session. `cargo run --example demo` serves it; the end-to-end tests start it on
//! a loopback port.

mod account;

use std::fmt::Write;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, Form};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use session_runtime::InterfaceRef;
use session_runtime::tower::SessionLayer;
use session_runtime::{Session, Tracked};

/// The demo's session: who is signed in, a visit counter and a cart. "Remember me" keeps it for
/// 7 days of inactivity (`lifetime`), and 30 days after sign-in at most however often it is used
/// (`max_lifetime`): then the user signs in again. Revocable by user: with a backend that has an
/// epoch source ("sign out everywhere else" on the account page), older cookies of the user are
/// refused.
#[derive(Session, Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
#[session(
    name = "demo_session",
    lifetime = "7d",
    max_lifetime = "30d",
    same_site = "lax",
    revocable = "user"
)]
pub struct Visit {
    /// The signed-in user.
    pub user: Option<String>,
    /// Clicks on "count".
    pub count: u32,
    /// Items in the cart.
    pub cart: Vec<String>,
    /// The device signed in on, from its `User-Agent` (the account page's label).
    #[serde(default)]
    pub device: Option<String>,
}

pub use account::{Accounts, Listed, device_label, server_side_accounts};

/// What `/api/state` returns: the session as the server sees it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct State {
    /// The session data.
    pub visit: Visit,
    /// Whether the session is permanent ("remember me").
    pub permanent: bool,
    /// Whether no cookie was accepted on this request.
    pub new: bool,
}

/// The demo's routes behind a [`SessionLayer`] using `interface`, with [`Visit`]'s own cookie
/// settings.
pub fn router(interface: impl Into<InterfaceRef>) -> Router {
    router_with(SessionLayer::with_interface(interface))
}

/// A layer using `interface` with the cookie settings a deployment chooses, read through `var`
/// (`|name| std::env::var(name).ok()`): `SESSION_COOKIE_SECURE` (`true` or `false`; default
/// `false`, as the demo serves plain HTTP) and `SESSION_COOKIE_DOMAIN`. A bad value, or one the
/// cookie rules refuse, is an error here, before the server serves.
///
/// ```
/// use session_runtime::SecureCookieSessionInterface;
/// use session_workspace::demo::configured_layer;
/// use std::sync::Arc;
/// let env = |name: &str| (name == "SESSION_COOKIE_SECURE").then(|| "maybe".to_owned());
/// let err = configured_layer(Arc::new(SecureCookieSessionInterface::without_keys()), env).unwrap_err();
/// assert!(err.to_string().contains("SESSION_COOKIE_SECURE"));
/// ```
pub fn configured_layer(
    interface: impl Into<InterfaceRef>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<SessionLayer, Box<dyn std::error::Error>> {
    let secure = match var("SESSION_COOKIE_SECURE").as_deref() {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(other) => return Err(format!("SESSION_COOKIE_SECURE={other:?}: use true or false").into()),
    };
    let domain = var("SESSION_COOKIE_DOMAIN");
    let layer = SessionLayer::with_interface(interface).configure::<Visit>(|c| match domain {
        Some(domain) => c.secure(secure).domain(domain),
        None => c.secure(secure),
    })?;
    Ok(layer)
}

/// The demo's routes behind `layer` (which opens [`Visit`] eagerly on every route); its account
/// page treats the sessions as signed cookies (give the backend an epoch source: [`Visit`] is
/// revocable).
pub fn router_with(layer: SessionLayer) -> Router {
    router_with_accounts(layer, Accounts::Cookie)
}

/// The demo's routes behind `layer`, the account page reaching the sessions through `accounts`.
pub fn router_with_accounts(layer: SessionLayer, accounts: Accounts) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/count", post(count))
        .route("/cart", post(add_to_cart))
        .route("/cart/clear", post(clear_cart))
        .route("/remember", post(toggle_remember))
        .route("/api/state", get(state))
        .route("/account", get(account::page))
        .route("/account/revoke", post(account::revoke))
        .route("/account/others", post(account::revoke_others))
        .route("/api/sessions", get(account::api_sessions))
        .layer(Extension(Arc::new(accounts)))
        .layer(layer.eager::<Visit>())
}

#[derive(Deserialize)]
struct LoginForm {
    user: String,
    #[serde(default)]
    remember: Option<String>,
}

async fn login(mut visit: Tracked<Visit>, headers: HeaderMap, Form(form): Form<LoginForm>) -> Redirect {
    let user = form.user.trim();
    if user.is_empty() {
        visit.flash_with("error", "Type a name to sign in.");
    } else {
        visit.user = Some(user.to_owned());
        visit.device = Some(device_label(&headers));
        // A privilege change: a new issue time (`max_lifetime` counts from now) and, server-side,
        // a new id (session fixation).
        visit.renew();
        visit.set_permanent(form.remember.is_some());
        visit.flash(format!("Welcome, {user}!"));
    }
    Redirect::to("/")
}

async fn logout(mut visit: Tracked<Visit>) -> Redirect {
    // Clears the data; server-side sessions also delete the entry and retire the id.
    visit.destroy();
    visit.flash("Signed out.");
    Redirect::to("/")
}

async fn count(mut visit: Tracked<Visit>) -> Redirect {
    visit.count += 1;
    Redirect::to("/")
}

#[derive(Deserialize)]
struct CartForm {
    item: String,
}

async fn add_to_cart(mut visit: Tracked<Visit>, Form(form): Form<CartForm>) -> Redirect {
    let item = form.item.trim();
    if !item.is_empty() {
        visit.cart.push(item.to_owned());
    }
    Redirect::to("/")
}

async fn clear_cart(mut visit: Tracked<Visit>) -> Redirect {
    visit.cart.clear();
    Redirect::to("/")
}

async fn toggle_remember(mut visit: Tracked<Visit>) -> Redirect {
    let remember = !visit.is_permanent();
    visit.set_permanent(remember);
    Redirect::to("/")
}

async fn state(visit: Tracked<Visit>) -> axum::Json<State> {
    axum::Json(State { visit: (*visit).clone(), permanent: visit.is_permanent(), new: visit.is_new() })
}

async fn index(mut visit: Tracked<Visit>) -> impl IntoResponse {
    let flashes = visit.take_flashes();
    let mut page = String::from(
        "<!doctype html><html><head><meta charset=utf-8><title>Session demo</title>\
         <style>body{font-family:sans-serif;max-width:40em;margin:2em auto}form{display:inline}\
         .error{color:#b00}.message{color:#070}</style></head><body><h1>Session demo</h1>",
    );
    for flash in &flashes {
        let _ = write!(page, "<p class=\"{}\">{}</p>", escape(&flash.category), escape(&flash.message));
    }
    match &visit.user {
        Some(user) => {
            let _ = write!(
                page,
                "<p id=user>Signed in as <b>{}</b>.</p><form method=post action=/logout>\
                 <button>Sign out</button></form> <form method=post action=/remember>\
                 <button id=remember>{}</button></form> <a id=account href=/account>Where you're signed in</a>",
                escape(user),
                if visit.is_permanent() { "Forget me" } else { "Remember me" }
            );
        }
        None => page.push_str(
            "<form method=post action=/login><input name=user placeholder=name> \
             <label><input type=checkbox name=remember> remember me</label> <button>Sign in</button></form>",
        ),
    }
    let _ = write!(
        page,
        "<h2>Counter</h2><p id=count>{}</p><form method=post action=/count><button>Count</button></form>\
         <h2>Cart</h2><ul id=cart>",
        visit.count
    );
    for item in &visit.cart {
        let _ = write!(page, "<li>{}</li>", escape(item));
    }
    page.push_str(
        "</ul><form method=post action=/cart><input name=item placeholder=item> <button>Add</button></form> \
         <form method=post action=/cart/clear><button>Empty cart</button></form>\
         <p><small>document.cookie sees: <code id=js-cookies></code></small></p>\
         <script>document.getElementById('js-cookies').textContent = JSON.stringify(document.cookie)</script>\
         </body></html>",
    );
    Html(page)
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
