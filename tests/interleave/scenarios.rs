//! The requests the enumeration draws from, what each one did, and the reference model every
//! finished order is checked against.
//!
//! One browser (one cookie jar) holds a signed-in, permanent session of user `ann` with
//! `fields = {"base": 1}`; its tabs send the requests below with that cookie. A second device,
//! signed in as `ann` too, may revoke the browser's session from its account page (by the handle
//! it listed) or sign out every other device; a third may sign the same user in; `revoke_user`
//! may sign the user out everywhere. A response reaches
//! the jar when its request finishes, which is right after its last store call (the driver
//! releases calls one at a time), so the jar sees responses in store order.
//!
//! The model: the session's lineage (the signed-in session and every id a rotation gave it)
//! ends at the first store call that destroys or revokes it. Invariants:
//! 1. no acknowledged write is lost: a write saved `Ok` (not `ended`) before the lineage ended,
//!    or when it never ends, is in the session the jar opens at the end;
//! 2. nothing destroyed or revoked is reachable: once the lineage ended, no cookie of it (the
//!    first one, or any a response set) opens a session, and neither does a sign-in that was
//!    saved before the revocation's call (for "sign out other devices": its listing call), while
//!    one saved after it lives on;
//! 3. no delete cookie reaches a browser whose session lives on (under another id);
//! 4. nothing crosses a destroy: the anonymous session `destroy()` + a write starts from what the
//!    handler wrote only;
//! 5. every refused write is visible: a write not in the final session, whose lineage did not
//!    end after it, returned an error to its handler (this is 1 read the other way round).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use session_runtime::backend::SessionStore;
use session_runtime::{
    CookieConfig, Keys, SaveReport, SecretKey, ServerSideSessionInterface, SessionHandle, Tracked,
};

use super::gate::{Call, Gate, Parked};

/// The session data.
#[derive(Serialize, Deserialize, Default, Clone, Debug, PartialEq)]
pub struct Data {
    pub user: Option<String>,
    pub fields: BTreeMap<String, u64>,
    pub flash: Option<String>,
}

/// What a request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Opens and reads (a permanent session: the save refreshes it).
    Read,
    /// Sets field `a`.
    WriteA,
    /// Sets field `b`.
    WriteB,
    /// Sets field `a` too (same field as `WriteA`, another value).
    WriteSameA,
    /// `cycle_id()` (privilege change, data kept).
    Cycle,
    /// `renew()` (sign-in again: new id, new issue time).
    Renew,
    /// `destroy()` (sign out).
    Destroy,
    /// `destroy()`, then a "signed out" flash.
    DestroyWrite,
    /// `revoke_user("ann")` from an admin page (no cookie).
    RevokeUser,
    /// A sign-in of the same user on another device (no cookie).
    SignIn,
    /// The second device revokes the browser's session by the handle it listed.
    RevokeHandle,
    /// The second device signs out every other device (`revoke_others`).
    RevokeOthers,
}

pub const ALL: [Kind; 12] = [
    Kind::Read,
    Kind::WriteA,
    Kind::WriteB,
    Kind::WriteSameA,
    Kind::Cycle,
    Kind::Renew,
    Kind::Destroy,
    Kind::DestroyWrite,
    Kind::RevokeUser,
    Kind::SignIn,
    Kind::RevokeHandle,
    Kind::RevokeOthers,
];

impl Kind {
    /// The field and value this request writes, if it writes one the model tracks.
    fn write(self, index: usize) -> Option<(&'static str, u64)> {
        let value = 100 + index as u64;
        match self {
            Kind::WriteA | Kind::WriteSameA => Some(("a", value)),
            Kind::WriteB => Some(("b", value)),
            _ => None,
        }
    }

    /// Whether this request comes from the signed-in browser (with its cookie).
    fn sent_by_browser(self) -> bool {
        !matches!(self, Kind::RevokeUser | Kind::SignIn | Kind::RevokeHandle | Kind::RevokeOthers)
    }

    /// Whether this request, when it succeeds, ends the browser's session.
    fn ends_session(self) -> bool {
        matches!(
            self,
            Kind::Destroy | Kind::DestroyWrite | Kind::RevokeUser | Kind::RevokeHandle | Kind::RevokeOthers
        )
    }
}

/// What a request saw and sent.
#[derive(Debug)]
pub struct Outcome {
    pub kind: Kind,
    /// `save_async`'s answer (`revoke_user`'s, for that kind).
    pub saved: Result<SaveReport, String>,
    /// The `Set-Cookie` lines of the response.
    pub set_cookies: Vec<String>,
    /// The gate's clock when the request finished: calls released before it.
    pub finished_at: usize,
    /// The request opened a live session (not a new one).
    pub opened: bool,
}

/// Everything one order needs: the real store, keys, config, and the signed-in cookie.
pub struct World {
    pub store: Arc<dyn SessionStore>,
    pub keys: Keys,
    pub config: CookieConfig,
    pub user: String,
    pub cookie: String,
    /// The second device's cookie.
    pub other: String,
    /// The browser's session as the second device lists it.
    pub handle: SessionHandle,
}

impl World {
    /// A signed-in session of a fresh user in `store`.
    pub async fn signed_in(store: Arc<dyn SessionStore>, run: usize) -> World {
        let keys = Keys::new(SecretKey::try_from(&[9u8; 32][..]).expect("key"));
        let config = CookieConfig::builder().permanent(true).build().expect("config");
        let user = format!("ann-{}-{run}", std::process::id());
        let backend = Arc::new(
            ServerSideSessionInterface::with_store(keys.clone(), store.clone()).with_user_index("user"),
        );
        let sign_in = async |fields: &[(&str, u64)]| {
            let mut session: Tracked<Data> =
                Tracked::open_async(backend.clone(), config.clone(), &http::Request::new(())).await;
            session.user = Some(user.clone());
            session.fields.extend(fields.iter().map(|&(field, value)| (field.to_owned(), value)));
            let mut response = http::Response::new(());
            session.save_async(&mut response).await.expect("sign-in");
            pair(&set_cookies(&response)[0])
        };
        let cookie = sign_in(&[("base", 1)]).await;
        let other = sign_in(&[]).await;
        let request = http::Request::builder().header("cookie", &other).body(()).expect("request");
        let device: Tracked<Data> = Tracked::open_async(backend.clone(), config.clone(), &request).await;
        let listed = backend.sessions_of(&device).await.expect("listing");
        assert_eq!(listed.len(), 2, "{listed:?}");
        let handle =
            listed.into_iter().find(|session| !session.current).expect("the browser's session").handle;
        World { store, keys, config, user, cookie, other, handle }
    }

    /// A backend over `store` (parked or not), with the user index.
    pub fn backend(&self, store: Arc<dyn SessionStore>) -> Arc<ServerSideSessionInterface> {
        Arc::new(ServerSideSessionInterface::with_store(self.keys.clone(), store).with_user_index("user"))
    }

    /// Opens `cookie` outside the gate.
    pub async fn open(&self, cookie: &str) -> Tracked<Data> {
        let request = http::Request::builder().header("cookie", cookie).body(()).expect("request");
        Tracked::open_async(self.backend(self.store.clone()), self.config.clone(), &request).await
    }

    /// Request `index` of kind `kind`, its store calls parked at `gate`.
    pub fn request(
        &self,
        gate: &Arc<Gate>,
        index: usize,
        kind: Kind,
    ) -> Pin<Box<dyn Future<Output = Outcome> + Send>> {
        let backend = self.backend(Arc::new(Parked::new(self.store.clone(), gate.clone(), index)));
        let (config, user, gate) = (self.config.clone(), self.user.clone(), gate.clone());
        let cookie = kind.sent_by_browser().then(|| self.cookie.clone());
        let (other, handle) = (self.other.clone(), self.handle.clone());
        Box::pin(async move {
            let mut response = http::Response::new(());
            let mut opened = false;
            let saved = match kind {
                Kind::RevokeUser => backend.revoke_user(&user).await.map(|_| SaveReport::default()),
                Kind::RevokeHandle | Kind::RevokeOthers => {
                    let request = http::Request::builder().header("cookie", other).body(()).expect("request");
                    let device: Tracked<Data> = Tracked::open_async(backend.clone(), config, &request).await;
                    let revoked = match kind {
                        Kind::RevokeHandle => backend.revoke(&device, &handle).await,
                        _ => backend.revoke_others(&device).await.map(|_| ()),
                    };
                    revoked.map(|()| SaveReport::default())
                }
                _ => {
                    let mut request = http::Request::builder();
                    if let Some(cookie) = &cookie {
                        request = request.header("cookie", cookie);
                    }
                    let request = request.body(()).expect("request");
                    let mut session: Tracked<Data> = Tracked::open_async(backend, config, &request).await;
                    opened = !session.is_new();
                    act(&mut session, kind, index, &user);
                    session.save_async(&mut response).await
                }
            };
            Outcome {
                kind,
                saved: saved.map_err(|error| error.to_string()),
                set_cookies: set_cookies(&response),
                finished_at: gate.clock(),
                opened,
            }
        })
    }
}

/// What request `index` of `kind` does to its open session.
fn act(session: &mut Tracked<Data>, kind: Kind, index: usize, user: &str) {
    if let Some((field, value)) = kind.write(index) {
        session.fields.insert(field.into(), value);
    }
    match kind {
        Kind::Read => {
            let _ = session.fields.len();
        }
        Kind::Cycle => session.cycle_id(),
        Kind::Renew => session.renew(),
        Kind::Destroy => session.destroy(),
        Kind::DestroyWrite => {
            session.destroy();
            session.flash = Some("signed out".into());
        }
        Kind::SignIn => {
            session.user = Some(user.to_owned());
            session.fields.insert("signin".into(), 1);
        }
        _ => {}
    }
}

/// Checks one finished order against the model; `Err` names the broken invariant.
pub async fn check(world: &World, outcomes: &[Outcome], log: &[(usize, Call)]) -> Result<(), String> {
    // When the lineage ended: the first successful destroy or revocation to finish.
    let ended_at = outcomes
        .iter()
        .filter(|o| {
            o.kind.ends_session()
                && o.saved.as_ref().is_ok_and(|report| !report.ended || !o.kind.sent_by_browser())
        })
        .map(|o| o.finished_at)
        .min();
    // The jar: responses of the browser's requests in the order they finished.
    let mut by_finish: Vec<&Outcome> = outcomes.iter().filter(|o| o.kind.sent_by_browser()).collect();
    by_finish.sort_by_key(|o| o.finished_at);
    let mut jar = Some(world.cookie.clone());
    let mut lineage = vec![world.cookie.clone()];
    let mut anonymous = None;
    for outcome in &by_finish {
        for line in &outcome.set_cookies {
            if is_delete(line) {
                // 3: a delete only when the session really ended for everyone.
                if ended_at.is_none() {
                    return Err(format!("{:?} sent a delete cookie, yet the session lives on", outcome.kind));
                }
                jar = None;
            } else {
                jar = Some(pair(line));
                if outcome.kind == Kind::DestroyWrite {
                    anonymous = Some(pair(line));
                } else if outcome.opened {
                    // A request that opened nothing (its session had ended) starts a new one.
                    lineage.push(pair(line));
                }
            }
        }
    }
    match ended_at {
        None => {
            let Some(cookie) = &jar else { return Err("the jar lost its cookie".into()) };
            let session = world.open(cookie).await;
            if session.is_new() {
                return Err(format!("the jar's cookie opens nothing: {:?}", session.rejection()));
            }
            check_writes(outcomes, &session)?;
        }
        Some(ended_at) => {
            // 2: nothing of the lineage opens.
            for cookie in &lineage {
                let session = world.open(cookie).await;
                if !session.is_new() {
                    return Err(format!("a cookie of the ended session still opens it: {:?}", &*session));
                }
            }
            // 1 and 5: writes that finished before the end are gone with it; one that finished
            // after it was written nowhere, so it must not have been acknowledged.
            for (index, outcome) in outcomes.iter().enumerate() {
                let acknowledged = outcome.saved.as_ref().is_ok_and(|report| !report.ended);
                let wrote = outcome.kind.write(index).is_some() && outcome.opened;
                if wrote && acknowledged && outcome.finished_at > ended_at {
                    return Err(format!("{:?} was answered as saved after the session ended", outcome.kind));
                }
            }
        }
    }
    // 4: the anonymous session after destroy() holds only the handler's flash.
    if let Some(cookie) = &anonymous
        && jar.as_deref() == Some(cookie.as_str())
    {
        let session = world.open(cookie).await;
        let expected = Data { user: None, fields: BTreeMap::new(), flash: Some("signed out".into()) };
        if *session != expected {
            return Err(format!("something crossed a destroy: {:?}", &*session));
        }
    }
    // 2, sign-ins: one saved before a revocation's call is gone; one saved after it lives. For
    // "sign out other devices" that call is its listing: the sessions it read are the ones it ends.
    let revoked_at = outcomes.iter().find(|o| o.kind == Kind::RevokeUser).map(|o| o.finished_at);
    let listed_at = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind == Kind::RevokeOthers && o.saved.is_ok())
        .filter_map(|(index, _)| log.iter().position(|entry| *entry == (index, Call::List)))
        .max();
    for outcome in outcomes.iter().filter(|o| o.kind == Kind::SignIn) {
        let (Ok(_), Some(line)) = (&outcome.saved, outcome.set_cookies.first()) else { continue };
        let session = world.open(&pair(line)).await;
        let revoked = revoked_at.is_some_and(|revoked_at| outcome.finished_at < revoked_at)
            || listed_at.is_some_and(|listed_at| outcome.finished_at <= listed_at);
        if revoked && !session.is_new() {
            return Err("a sign-in saved before the revocation survived it".into());
        }
        if !revoked && session.is_new() {
            return Err("a sign-in saved after the revocation was lost".into());
        }
    }
    Ok(())
}

/// 1 and 5 on the live session: every acknowledged write is in it.
fn check_writes(outcomes: &[Outcome], session: &Data) -> Result<(), String> {
    let mut acknowledged: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for (index, outcome) in outcomes.iter().enumerate() {
        let Some((field, value)) = outcome.kind.write(index) else { continue };
        if outcome.saved.as_ref().is_ok_and(|report| !report.ended) {
            acknowledged.entry(field).or_default().push(value);
        }
    }
    for (field, values) in acknowledged {
        match session.fields.get(field) {
            Some(value) if values.contains(value) => {}
            found => {
                return Err(format!(
                    "an acknowledged write of `{field}` ({values:?}) is lost: the session has {found:?}"
                ));
            }
        }
    }
    if session.fields.get("base") != Some(&1) {
        return Err(format!("the session lost its data: {session:?}"));
    }
    Ok(())
}

/// The `Set-Cookie` lines of `response`.
fn set_cookies(response: &http::Response<()>) -> Vec<String> {
    response
        .headers()
        .get_all(http::header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap_or_default().to_owned())
        .collect()
}

/// `name=value` of a `Set-Cookie` line.
fn pair(line: &str) -> String {
    line.split(';').next().unwrap_or_default().to_owned()
}

/// Whether a `Set-Cookie` line deletes the cookie.
fn is_delete(line: &str) -> bool {
    line.contains("Max-Age=0")
}
