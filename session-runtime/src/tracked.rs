//! The typed session handle: the data plus what happened to it during the request.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backend::{
    Change, ConfigRef, CookieSink, CookieSource, Finished, InterfaceRef, Rewrite, SaveReport, SessionId,
    SessionInterface, SessionState, StoreToken,
};
use crate::config::CookieConfig;
use crate::envelope;
use crate::error::{Error, Rejection};
use crate::flash::Flash;
use crate::secure_cookie::SecureCookieSessionInterface;

/// A typed session: your data plus what happened to it during this request.
///
/// Reading through `Deref` marks the session *accessed* (the response gets `Vary: Cookie`);
/// `DerefMut` marks it *modified*, and [`save`](Tracked::save) then compares the serialized data
/// with what came in, so nested changes (`cart.push(…)`) are saved and a mutable borrow without a
/// change sends nothing.
///
/// ```
/// use session_runtime::{CookieConfig, Keys, SecretKey, SecureCookieSessionInterface, Tracked};
/// use std::sync::Arc;
///
/// #[derive(serde::Serialize, serde::Deserialize, Default)]
/// struct Cart { items: Vec<u64> }
///
/// let backend = Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?)));
/// let config = CookieConfig::DEFAULT;
///
/// let request = http::Request::new(());
/// let mut cart = Tracked::<Cart>::open_with(backend.clone(), config.clone(), &request);
/// cart.items.push(7);
/// let mut response = http::Response::new(());
/// cart.save(&mut response)?;
/// let value = response.headers()["set-cookie"].to_str()?.split(';').next().unwrap_or_default();
/// let next = http::Request::builder().header("cookie", value).body(()).unwrap();
/// let cart = Tracked::<Cart>::open_with(backend, config, &next);
/// assert_eq!(cart.items, [7]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Tracked<T: Default> {
    pub(crate) data: T,
    pub(crate) flashes: Vec<Flash>,
    /// The one per-request state, as the backend opened it; completed at save.
    pub(crate) state: SessionState,
    /// Read through `&self` (`Deref`), so kept outside the state until the save.
    accessed: AtomicBool,
    pub(crate) config: ConfigRef,
    pub(crate) interface: InterfaceRef,
    /// Set by framework layers: receives the final state when the handle is dropped, so the
    /// layer can save it after the handler.
    on_drop: Option<DropHook<T>>,
    /// A revocable session whose epoch was a cache hit: renders the opened user into the state
    /// at the first mutable borrow of the data, which may change it (epoch/check.rs).
    render_user: Option<fn(&mut Tracked<T>)>,
}

/// Receives a session handle when it is dropped (see `Tracked::on_drop`), to take its final
/// state ([`Tracked::finish`]).
pub(crate) type DropHook<T> = Box<dyn FnOnce(&mut Tracked<T>) + Send + Sync>;

impl<T: Serialize + DeserializeOwned + Default> Tracked<T> {
    /// Opens the session of `request` with the process-wide backend
    /// ([`SecureCookieSessionInterface::global`]). Never fails: a missing or refused cookie gives
    /// a new, empty session, and [`rejection`](Tracked::rejection) says why.
    pub fn open<R: CookieSource + ?Sized>(config: impl Into<ConfigRef>, request: &R) -> Self {
        let interface: &'static dyn SessionInterface = SecureCookieSessionInterface::global();
        Self::open_with(interface, config, request)
    }

    /// Opens the session of `request` with the given backend and config.
    pub fn open_with<R: CookieSource + ?Sized>(
        interface: impl Into<InterfaceRef>,
        config: impl Into<ConfigRef>,
        request: &R,
    ) -> Self {
        let (interface, config) = (interface.into(), config.into());
        let opened = interface.get().open_session(config.get(), &request).now();
        Self::from_opened(opened, interface, config)
    }

    /// Opens the session of `request` with the given backend and config, doing a server-side
    /// backend's store load asynchronously (under its timeout). With the signed-cookie backend it
    /// is the same as [`open_with`](Tracked::open_with). Never fails: a store that is down gives
    /// an empty session with [`Rejection::StoreUnavailable`].
    ///
    /// ```
    /// use session_runtime::{CookieConfig, Keys, SecretKey, ServerSideSessionInterface, Tracked};
    /// use std::sync::Arc;
    /// # #[derive(serde::Serialize, serde::Deserialize, Default)] struct Visit { count: u32 }
    /// # async fn handler(request: http::Request<()>) -> Result<http::Response<()>, Box<dyn std::error::Error>> {
    /// let backend = Arc::new(ServerSideSessionInterface::memory(Keys::new(SecretKey::generate()?)));
    /// let mut visit = Tracked::<Visit>::open_async(backend, CookieConfig::DEFAULT, &request).await;
    /// visit.count += 1;
    /// let mut response = http::Response::new(());
    /// visit.save_async(&mut response).await?;
    /// # Ok(response) }
    /// ```
    pub fn open_async<R: CookieSource + ?Sized, I: Into<InterfaceRef>, C: Into<ConfigRef>>(
        interface: I,
        config: C,
        request: &R,
    ) -> impl std::future::Future<Output = Self> + Send + 'static + use<T, R, I, C> {
        let (interface, config) = (interface.into(), config.into());
        let opening = interface.get().open_session(config.get(), &request);
        async move {
            let awaiting = match Self::from_opened_or_awaiting(opening.await, interface, config) {
                Ok(session) => return session,
                Err(awaiting) => awaiting,
            };
            Box::pin(awaiting.finish()).await
        }
    }

    /// A handle on `state` with the default data, before the payload is decoded (`opened.rs`).
    pub(crate) fn new_opened(state: SessionState, interface: InterfaceRef, config: ConfigRef) -> Self {
        Tracked {
            data: T::default(),
            flashes: Vec::new(),
            state,
            accessed: AtomicBool::new(false),
            config,
            interface,
            on_drop: None,
            render_user: None,
        }
    }

    /// Writes the session into `response`: `Set-Cookie` and `Vary: Cookie` as the save decision
    /// says. Consumes the session. Errors are server-side only: no key for a changed session,
    /// a cookie too large for browsers, data that does not serialize, a clock before 1970.
    ///
    /// The [`SaveReport`] says whether a server-side save was merged onto a record another
    /// request changed meanwhile, or found its session ended.
    pub fn save<S: CookieSink + ?Sized>(self, response: &mut S) -> Result<SaveReport, Error> {
        let prepared = self.prepare()?;
        let outcome = prepared.commit().now()?;
        let report = outcome.report();
        outcome.write(&mut &mut *response)?;
        Ok(report)
    }

    /// [`save`](Tracked::save) for a server-side backend whose store needs to wait for I/O
    /// (Redis): the store calls are awaited, each under the backend's timeout, and only then is
    /// the cookie written. A store failure is [`Error::Store`]. With the signed-cookie backend
    /// it is the same as `save`.
    pub async fn save_async<S: CookieSink + ?Sized>(self, response: &mut S) -> Result<SaveReport, Error> {
        let prepared = self.prepare()?;
        let outcome = prepared.commit().await?;
        let report = outcome.report();
        outcome.write(&mut &mut *response)?;
        Ok(report)
    }

    /// The final state, serialized, detached from the handle.
    pub(crate) fn prepare(mut self) -> Result<Finished, Error> {
        self.on_drop = None;
        self.finish()
    }

    /// Completes the state in place (what happened, how the data compares with what came in,
    /// the save's one clock reading) and detaches it with the handle's backend and config.
    pub(crate) fn finish(&mut self) -> Result<Finished, Error> {
        self.state.accessed = self.accessed.load(Ordering::Relaxed);
        // A re-write that changes the payload (a v1 envelope, a migration, a renewal) encodes
        // what this version writes even if the handler changed nothing; one that only re-signs
        // (a fallback key, sealing) sends the incoming payload as it is (the save decision).
        let forced = self.state.payload.is_some() && self.state.rewrite.is_some_and(Rewrite::changes_payload);
        // The save's one clock reading, taken only when the save may sign, encode or write a
        // record: an unchanged session that is not refreshed needs none.
        let state = &self.state;
        let may_write = state.modified
            || state.rewrite.is_some()
            || state.permanent
            || state.cycle_id
            || state.token.is_some();
        self.state.now = if may_write { self.interface.get().now() } else { None };
        let encodes = self.state.modified || forced;
        let pending_epoch = if encodes { self.epoch_for_save()? } else { None };
        let payload = if encodes { Some(self.encode()?) } else { None };
        if payload.is_some() && payload == self.state.rewritten {
            // Borrowed mutably, but the data is what it was opened as: only the forced re-write.
            self.state.modified = false;
        }
        let change = match payload {
            None => Change::Untouched,
            Some(payload) if self.is_empty_payload(&payload)? => Change::Emptied,
            Some(payload) => match &self.state.payload {
                Some(original)
                    if envelope::same_json(original, &payload)
                        || envelope::extended_by_store(original, &payload) =>
                {
                    Change::Untouched
                }
                _ => Change::Changed(payload),
            },
        };
        // A refused cookie's handler saw an empty session: still empty is no sign-out, unless
        // the handler cleared it on purpose.
        let change = match change {
            Change::Emptied if self.state.rejection.is_some() && !self.state.cleared => Change::Untouched,
            change => change,
        };
        if self.state.rejection == Some(Rejection::NewerVersion) && change != Change::Untouched {
            crate::log::newer_version_replaced(self.config.get().name());
        }
        self.state.change = change;
        Ok(Finished {
            interface: self.interface.clone(),
            config: self.config.clone(),
            state: std::mem::take(&mut self.state),
            pending_epoch,
        })
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, Error> {
        // A changed session is usually about as long as it was: one allocation of the right size.
        let size_hint = self.state.payload.as_ref().map_or(0, |original| original.len() + 16);
        let config = self.config.get();
        envelope::encode(
            config.format(),
            config.schema().version(),
            &self.data,
            self.state.permanent,
            &self.flashes,
            self.state.issued_for_save(),
            self.state.epoch.as_ref().map(|stamp| stamp.epoch).filter(|&epoch| epoch > 0),
            size_hint,
        )
    }

    /// Whether `payload` (this session's) equals the empty state's, without building the latter.
    fn is_empty_payload(&self, payload: &[u8]) -> Result<bool, Error> {
        let config = self.config.get();
        envelope::is_empty_envelope::<T>(
            config.format(),
            config.schema().version(),
            payload,
            self.state.permanent,
            &self.flashes,
            self.state.issued_for_save(),
            config.permanent(),
        )
    }

    /// Resets the data to its default, drops the flashes and the permanent flag. The cookie is
    /// deleted at save if the client had one.
    pub fn clear(&mut self) {
        self.touch_mut();
        self.data = T::default();
        self.flashes.clear();
        self.state.permanent = self.config.get().permanent();
        self.state.cleared = true;
    }

    /// Ends the session: [`clear`](Tracked::clear) plus, with a server-side backend, the store
    /// entry is deleted and the id retired at save. If the handler writes to the session again
    /// afterwards (a "signed out" flash), that data is saved under a new id. With the
    /// signed-cookie backend it is `clear`.
    ///
    /// ```
    /// use session_runtime::{CookieConfig, Keys, SecretKey, ServerSideSessionInterface, Tracked};
    /// use std::sync::Arc;
    /// let backend = Arc::new(ServerSideSessionInterface::memory(Keys::new(SecretKey::generate()?)));
    /// let mut count: Tracked<u32> = Tracked::open_with(backend.clone(), CookieConfig::DEFAULT, &http::Request::new(()));
    /// *count = 1;
    /// let mut response = http::Response::new(());
    /// count.save(&mut response)?;
    /// let pair = response.headers()["set-cookie"].to_str()?.split(';').next().unwrap_or_default().to_owned();
    ///
    /// let request = http::Request::builder().header("cookie", &pair).body(())?;
    /// let mut count: Tracked<u32> = Tracked::open_with(backend.clone(), CookieConfig::DEFAULT, &request);
    /// count.destroy();
    /// let mut response = http::Response::new(());
    /// count.save(&mut response)?;
    /// assert!(response.headers()["set-cookie"].to_str()?.contains("Max-Age=0"));
    /// let again: Tracked<u32> = Tracked::open_with(backend, CookieConfig::DEFAULT, &request);
    /// assert_eq!(again.rejection(), Some(session_runtime::Rejection::UnknownSession));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn destroy(&mut self) {
        self.clear();
        self.state.cycle_id = true;
    }
}

impl<T: Default> Tracked<T> {
    /// Hands the session's final state to `hook` when this handle is dropped without being
    /// saved: the layers' [`SessionScope`](crate::SessionScope) saves it after the handler. A
    /// manual [`save`](Tracked::save) cancels it.
    pub(crate) fn on_drop(&mut self, hook: DropHook<T>) {
        self.on_drop = Some(hook);
    }

    fn touch(&self) {
        self.accessed.store(true, Ordering::Relaxed);
    }

    fn touch_mut(&mut self) {
        if let Some(render) = self.render_user.take() {
            render(self);
        }
        self.touch();
        self.state.modified = true;
    }

    /// Defers rendering the opened user of a revocable session to the first mutable borrow.
    pub(crate) fn defer_opened_user(&mut self, render: fn(&mut Self)) {
        self.render_user = Some(render);
    }

    /// Cancels [`defer_opened_user`](Self::defer_opened_user): the state's stamp is set otherwise.
    pub(crate) fn forget_deferred_user(&mut self) {
        self.render_user = None;
    }

    /// The data has not been borrowed mutably since a deferred open: its user is the opened one.
    pub(crate) fn opened_user_deferred(&self) -> bool {
        self.render_user.is_some()
    }

    /// Gives the session a new id at save, keeping its data, and deletes the old id: call it on
    /// every privilege change (sign-in, sudo mode) to defeat session fixation. Only server-side
    /// sessions have an id; with the signed-cookie backend it does nothing (a stolen cookie
    /// stays valid until it expires there; that is what server-side sessions are for).
    ///
    /// ```
    /// use session_runtime::{CookieConfig, Keys, SecretKey, ServerSideSessionInterface, Tracked};
    /// use std::sync::Arc;
    /// let backend = Arc::new(ServerSideSessionInterface::memory(Keys::new(SecretKey::generate()?)));
    /// let cookie = |response: &http::Response<()>| {
    ///     response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
    /// };
    /// let mut user: Tracked<String> = Tracked::open_with(backend.clone(), CookieConfig::DEFAULT, &http::Request::new(()));
    /// *user = "guest".into();
    /// let mut response = http::Response::new(());
    /// user.save(&mut response)?;
    /// let before = cookie(&response);
    ///
    /// let request = http::Request::builder().header("cookie", &before).body(())?;
    /// let mut user: Tracked<String> = Tracked::open_with(backend.clone(), CookieConfig::DEFAULT, &request);
    /// *user = "alice".into();
    /// user.cycle_id();
    /// let mut response = http::Response::new(());
    /// user.save(&mut response)?;
    /// let after = cookie(&response);
    /// assert_ne!(before, after);
    ///
    /// let old: Tracked<String> = Tracked::open_with(backend.clone(), CookieConfig::DEFAULT, &request);
    /// assert_eq!(*old, "", "the old id is gone");
    /// let request = http::Request::builder().header("cookie", &after).body(())?;
    /// let new: Tracked<String> = Tracked::open_with(backend, CookieConfig::DEFAULT, &request);
    /// assert_eq!(*new, "alice");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cycle_id(&mut self) {
        self.touch();
        self.state.cycle_id = true;
    }

    /// Issues the session anew at save, keeping its data: call it at sign-in and on every
    /// privilege change. The issue time is reset (so `max_lifetime` counts from now) and a fresh
    /// cookie is sent even if nothing else changed; server-side sessions also get a new id, as
    /// with [`cycle_id`](Tracked::cycle_id), which defeats session fixation. On every backend
    /// and format, never a silent no-op (the Flask format, which has no issue time, still sends
    /// the fresh cookie).
    ///
    /// ```
    /// use session_runtime::{CookieConfig, FixedClock, Keys, SecretKey, SecureCookieSessionInterface, Tracked};
    /// use std::sync::Arc;
    /// let keys = Keys::new(SecretKey::generate()?);
    /// let config = CookieConfig::builder().permanent(true).lifetime("7d").max_lifetime("7d").build()?;
    /// let at = |day: u64| Arc::new(SecureCookieSessionInterface::new(keys.clone()).with_clock(FixedClock(day * 86_400)));
    /// let mut response = http::Response::new(());
    /// let mut user: Tracked<String> = Tracked::open_with(at(0), config.clone(), &http::Request::new(()));
    /// *user = "guest".into();
    /// user.save(&mut response)?; // issued on day 0
    /// let pair = response.headers()["set-cookie"].to_str()?.split(';').next().unwrap_or_default().to_owned();
    ///
    /// let request = http::Request::builder().header("cookie", &pair).body(())?;
    /// let mut user: Tracked<String> = Tracked::open_with(at(6), config.clone(), &request);
    /// assert_eq!(user.as_str(), "guest");
    /// *user = "alice".into();
    /// user.renew(); // signed in on day 6: issued anew
    /// let mut response = http::Response::new(());
    /// user.save(&mut response)?;
    /// let pair = response.headers()["set-cookie"].to_str()?.split(';').next().unwrap_or_default().to_owned();
    ///
    /// // Day 8 is past day 0 + 7 days, but not past day 6 + 7.
    /// let request = http::Request::builder().header("cookie", &pair).body(())?;
    /// let user: Tracked<String> = Tracked::open_with(at(8), config, &request);
    /// assert_eq!((user.rejection(), user.as_str()), (None, "alice"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn renew(&mut self) {
        self.touch_mut();
        self.state.cycle_id = true;
        self.state.force_rewrite(Rewrite::Renewal);
    }

    /// Whether the session is permanent (its cookie carries `Expires`).
    pub fn is_permanent(&self) -> bool {
        self.touch();
        self.state.permanent
    }

    /// Makes the session permanent (cookie with `Expires` = now + lifetime) or a browser-session
    /// cookie.
    pub fn set_permanent(&mut self, permanent: bool) {
        self.touch_mut();
        self.state.permanent = permanent;
    }

    /// Whether no incoming cookie was accepted (a first visit, or a refused cookie).
    pub fn is_new(&self) -> bool {
        self.touch();
        self.state.payload.is_none() || self.state.rejection.is_some()
    }

    /// Whether this is a null session (no secret key): readable, never saved.
    pub fn is_null(&self) -> bool {
        self.state.null
    }

    /// Why the incoming cookie was refused, if one was.
    pub fn rejection(&self) -> Option<Rejection> {
        self.touch();
        self.state.rejection
    }

    /// Whether the data was borrowed mutably (a real change is decided at save).
    pub fn is_modified(&self) -> bool {
        self.state.modified || self.state.rewrite == Some(Rewrite::Migration)
    }

    /// Flask's `session.modified = True`: the data is compared with what came in at save even
    /// though it was not borrowed mutably. For changes made through interior mutability (a
    /// `Cell` or `RefCell` field changed through `&self`), which `DerefMut` cannot see. As with
    /// any change, the cookie is sent only if the serialized data really differs.
    ///
    /// ```
    /// use session_runtime::{CookieConfig, Keys, SecretKey, SecureCookieSessionInterface, Tracked};
    /// use std::cell::Cell;
    /// use std::sync::Arc;
    /// #[derive(serde::Serialize, serde::Deserialize, Default)]
    /// struct Hits { count: Cell<u32> }
    ///
    /// let backend = Arc::new(SecureCookieSessionInterface::new(Keys::new(SecretKey::generate()?)));
    /// let hits = Tracked::<Hits>::open_with(backend, CookieConfig::DEFAULT, &http::Request::new(()));
    /// hits.count.set(1); // through `&self`: not seen as a change
    /// assert!(!hits.is_modified());
    /// let mut hits = hits;
    /// hits.mark_modified();
    /// let mut response = http::Response::new(());
    /// hits.save(&mut response)?;
    /// assert!(response.headers().contains_key("set-cookie"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mark_modified(&mut self) {
        self.touch_mut();
    }

    /// Whether the session was read or written.
    pub fn is_accessed(&self) -> bool {
        self.accessed.load(Ordering::Relaxed)
    }

    /// Adds a flash message in the default category `"message"`.
    pub fn flash(&mut self, message: impl Into<String>) {
        self.flash_with(Flash::DEFAULT_CATEGORY, message);
    }

    /// Adds a flash message with a category.
    pub fn flash_with(&mut self, category: impl Into<String>, message: impl Into<String>) {
        self.touch_mut();
        self.flashes.push(Flash::new(category, message));
    }

    /// Takes every flash message, oldest first (Flask's `get_flashed_messages`).
    pub fn take_flashes(&mut self) -> Vec<Flash> {
        self.touch();
        if self.flashes.is_empty() {
            return Vec::new();
        }
        self.state.modified = true;
        std::mem::take(&mut self.flashes)
    }

    /// Takes the flash messages whose category is in `categories`, leaving the others
    /// (`get_flashed_messages(category_filter=…)`).
    pub fn take_flashes_in(&mut self, categories: &[&str]) -> Vec<Flash> {
        self.touch();
        let (taken, kept): (Vec<Flash>, Vec<Flash>) = std::mem::take(&mut self.flashes)
            .into_iter()
            .partition(|flash| categories.contains(&flash.category.as_str()));
        self.flashes = kept;
        if !taken.is_empty() {
            self.state.modified = true;
        }
        taken
    }

    /// The pending flash messages, without taking them.
    pub fn flashes(&self) -> &[Flash] {
        self.touch();
        &self.flashes
    }

    /// The config this session was opened with.
    pub fn config(&self) -> &CookieConfig {
        self.config.get()
    }

    /// The store record this request opened: its id and payload (server-side sessions only).
    pub(crate) fn opened_record(&self) -> Option<(&SessionId, &[u8])> {
        let Some(StoreToken::Loaded(id)) = &self.state.token else { return None };
        Some((id, self.state.payload.as_deref()?))
    }

    /// The data, leaving the session unsaved (a layer's drop hook is cancelled).
    pub fn into_inner(mut self) -> T {
        self.on_drop = None;
        std::mem::take(&mut self.data)
    }
}

impl<T: Default> Deref for Tracked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.touch();
        &self.data
    }
}

impl<T: Default> DerefMut for Tracked<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.touch_mut();
        &mut self.data
    }
}

impl<T: Default + fmt::Debug> fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracked")
            .field("data", &self.data)
            .field("permanent", &self.state.permanent)
            .field("flashes", &self.flashes)
            .field("new", &(self.state.payload.is_none() || self.state.rejection.is_some()))
            .field("null", &self.state.null)
            .field("rejection", &self.state.rejection)
            .field("accessed", &self.accessed.load(Ordering::Relaxed))
            .field("modified", &self.is_modified())
            .field("cookie", &self.config.get().name())
            .finish()
    }
}

impl<T: Default> Drop for Tracked<T> {
    fn drop(&mut self) {
        if let Some(hook) = self.on_drop.take() {
            hook(self);
        }
    }
}
