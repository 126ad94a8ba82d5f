//! The epoch of a revocable session at open (compared with the user's current one) and at save
//! (stamped into the envelope), and "sign out other devices".

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Epochs, probe};
use crate::backend::poll::now_or_never;
use crate::backend::{Change, SessionInterface, SessionState};
use crate::config::CookieConfig;
use crate::error::{Error, Rejection, StoreError};
use crate::tracked::Tracked;

/// The user a revocable session belongs to and the epoch its cookie carries (at open) or will
/// carry (at save). An envelope without an epoch carries 0. The user is empty after an open whose
/// epoch was a cache hit, until the data is first borrowed mutably
/// ([`SessionState::epoch`](crate::backend::SessionState::epoch)).
///
/// ```
/// use session_runtime::epoch::UserEpoch;
/// let stamp = UserEpoch { user: "ann".into(), epoch: 2 };
/// assert_eq!(stamp.epoch, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserEpoch {
    /// The user, as the user field renders it.
    pub user: String,
    /// The epoch.
    pub epoch: u64,
}

/// A lookup the cache could not answer: the source is asked, bypassing the cache.
#[derive(Clone)]
pub(crate) struct Lookup {
    epochs: Epochs,
    user: String,
}

impl Lookup {
    /// The user looked up.
    pub(crate) fn user(&self) -> &str {
        &self.user
    }

    /// The source's answer; owned, so an `open_async` future stays `'static`.
    pub(crate) async fn run(self) -> Result<u64, StoreError> {
        self.epochs.fetch(&self.user).await
    }

    /// The source's answer if it comes without waiting (memory, a closure that is ready); a
    /// source that would wait is unavailable to a synchronous open.
    pub(crate) fn now(self) -> Result<u64, StoreError> {
        now_or_never(Box::pin(self.run())).unwrap_or(Err(StoreError::WouldBlock))
    }
}

/// Whether a cookie carrying `carried` is accepted when the user's epoch is `current`: equal
/// only. Lower is a revoked cookie; higher is one the source does not know (its epochs were
/// restored from a backup, or forged with the key): refused too.
fn verdict(carried: u64, current: u64, cookie: &str) -> Result<(), Rejection> {
    if carried > current {
        crate::log::epoch_ahead(cookie);
    }
    if carried == current { Ok(()) } else { Err(Rejection::Revoked) }
}

/// The epochs a revocable config is checked with: the backend's.
fn epochs_of<'a>(interface: &'a dyn SessionInterface, config: &CookieConfig) -> Option<&'a Epochs> {
    config.revocable()?;
    interface.epochs()
}

impl<T: Serialize + DeserializeOwned + Default> Tracked<T> {
    /// At open, after the payload was accepted: the user and the epoch the cookie carries, and the
    /// check of that epoch from the cache. `Some(lookup)` when the cache cannot say (a miss, or a
    /// cookie ahead of a cached epoch that may be stale): the caller asks the source, then calls
    /// [`finish_epoch_check`](Self::finish_epoch_check).
    pub(crate) fn start_epoch_check(&mut self, carried: Option<u64>) -> Option<Lookup> {
        let revocable = self.epoch_applies()?;
        if self.state.payload.is_none() || self.state.rejection.is_some() {
            return None;
        }
        let carried = carried.unwrap_or(0);
        let interface = self.interface.get();
        let Some(epochs) = epochs_of(interface, self.config.get()) else {
            let user = probe::user_of(&self.data, revocable.field())?;
            self.state.epoch = Some(UserEpoch { user, epoch: carried });
            self.finish_epoch_check(Err(StoreError::Backend("the backend has no epoch source".into())));
            return None;
        };
        // A hit is checked at the open's own clock reading when both read the system clock, and
        // with the user lent by the probe: the hit, the common case, allocates nothing.
        let system_now = self.state.opened_at.filter(|_| interface.now_is_system_clock());
        let mut found = None;
        probe::visit_user(&self.data, revocable.field(), &mut |user| {
            found = Some(match epochs.cached_at(user, system_now) {
                Some(current) if carried <= current => Ok(current),
                _ => Err(user.to_owned()),
            });
        });
        match found? {
            Ok(current) => {
                // The user is rendered if the handler borrows the data mutably (it may change
                // who is signed in), before it does: most requests only read.
                self.state.epoch = Some(UserEpoch { user: String::new(), epoch: carried });
                self.defer_opened_user(Self::render_opened_user);
                self.refuse_unless(verdict(carried, current, self.config.get().name()));
                None
            }
            Err(user) => {
                let lookup = Lookup { epochs: epochs.clone(), user: user.clone() };
                self.state.epoch = Some(UserEpoch { user, epoch: carried });
                Some(lookup)
            }
        }
    }

    /// Renders the opened user into the state's epoch stamp, before the handler's first mutable
    /// borrow of the data (see [`start_epoch_check`](Self::start_epoch_check)).
    fn render_opened_user(&mut self) {
        let field = self.config.get().revocable().map(|revocable| revocable.field());
        if let (Some(field), Some(stamp)) = (field, self.state.epoch.as_mut()) {
            stamp.user = probe::user_of(&self.data, field).unwrap_or_default();
        }
    }

    /// The revocable settings of this session's type, unless its backend ends sessions in its
    /// store (server-side sessions), where the cookie epoch does not apply.
    fn epoch_applies(&self) -> Option<crate::epoch::Revocable> {
        if self.interface.get().revokes_in_store() {
            return None;
        }
        self.config.get().revocable()
    }

    /// Applies the source's answer to the check [`start_epoch_check`](Self::start_epoch_check)
    /// began; a source that failed gives the type's policy: refused
    /// ([`Rejection::EpochUnavailable`]) or, with `fail_open`, accepted; a warning either way.
    pub(crate) fn finish_epoch_check(&mut self, current: Result<u64, StoreError>) {
        let config = self.config.get();
        let Some(stamp) = &self.state.epoch else { return };
        match current {
            Ok(current) => self.refuse_unless(verdict(stamp.epoch, current, config.name())),
            Err(error) => {
                let fail_open = config.revocable().is_some_and(|revocable| revocable.is_fail_open());
                crate::log::epoch_unavailable(config.name(), fail_open, &error);
                if !fail_open {
                    self.refuse_unless(Err(Rejection::EpochUnavailable));
                }
            }
        }
    }

    /// Empties the session opened from a cookie the epoch check refused.
    fn refuse_unless(&mut self, verdict: Result<(), Rejection>) {
        if let Err(rejection) = verdict {
            self.forget_deferred_user();
            self.data = T::default();
            self.flashes.clear();
            self.state.permanent = self.config.get().permanent();
            self.state.payload = None;
            self.state.issued_at = None;
            self.state.rewrite = None;
            self.state.epoch = None;
            // A server-side backend offering epochs: the refused session's record is not
            // written through (a change gets a new id), as for a session past its end.
            self.state.token = None;
            self.state.rejection = Some(rejection);
        }
    }

    /// At save: the epoch to stamp for the user the data now names. The opened user keeps the
    /// epoch the cookie carried (or the one "sign out other devices" set); a new user (a sign-in)
    /// gets the current one, from the cache or a source that answers at once; else the lookup
    /// the commit awaits ([`stamp_pending`]). `None`: nothing left to look up (not revocable,
    /// nobody signed in, or the epoch is in the state).
    pub(crate) fn epoch_for_save(&mut self) -> Result<Option<Lookup>, Error> {
        let Some(revocable) = self.epoch_applies() else { return Ok(None) };
        let Some(user) = probe::user_of(&self.data, revocable.field()) else {
            self.state.epoch = None;
            return Ok(None);
        };
        // Still the opened user: never borrowed mutably since the open (so not yet rendered),
        // or rendered and equal.
        let opened =
            self.opened_user_deferred() || self.state.epoch.as_ref().is_some_and(|stamp| stamp.user == user);
        if opened && self.state.epoch.is_some() {
            return Ok(None);
        }
        let epochs = epochs_of(self.interface.get(), self.config.get())
            .ok_or_else(|| Error::Store(StoreError::Backend("the backend has no epoch source".into())))?;
        let found = match epochs.cached(&user) {
            Some(epoch) => Some(epoch),
            None => now_or_never(Box::pin(epochs.fetch(&user))).transpose()?,
        };
        Ok(match found {
            Some(epoch) => {
                self.state.epoch = Some(UserEpoch { user, epoch });
                None
            }
            None => {
                self.state.epoch = None;
                Some(Lookup { epochs: epochs.clone(), user })
            }
        })
    }

    /// "Sign out other devices": bumps the signed-in user's epoch, so every other cookie of the
    /// user is refused ([`Rejection::Revoked`]) by every server within the cache time, and
    /// re-issues this session's cookie with the new epoch at save, so this device stays signed
    /// in. Returns the new epoch. [`Error::NotRevocable`] when the type is not revocable, the
    /// backend has no epoch source, or nobody is signed in; [`Error::Store`] when the source
    /// failed (nothing changed).
    ///
    /// ```
    /// use session_runtime::epoch::{Epochs, MemoryEpochs};
    /// use session_runtime::{Keys, Rejection, SecretKey, SecureCookieSessionInterface, Session, Tracked};
    /// use std::future::Future;
    /// use std::sync::Arc;
    ///
    /// #[derive(Session, serde::Serialize, serde::Deserialize, Default)]
    /// #[session(revocable = "user")]
    /// struct Account { user: Option<String> }
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let epochs = Epochs::new(MemoryEpochs::new());
    /// let keys = Keys::new(SecretKey::generate()?);
    /// let backend = Arc::new(SecureCookieSessionInterface::new(keys).with_epochs(epochs));
    /// let open = |cookie: &str| {
    ///     let request = http::Request::builder().header("cookie", cookie).body(()).unwrap();
    ///     Tracked::<Account>::open_async(backend.clone(), Account::config(), &request)
    /// };
    /// let cookie = |response: http::Response<()>| {
    ///     response.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
    /// };
    ///
    /// // Signed in on a laptop; a thief copied the cookie to another device.
    /// let mut account = open("").await;
    /// account.user = Some("ann".into());
    /// let mut response = http::Response::new(());
    /// account.save_async(&mut response).await?;
    /// let laptop = cookie(response);
    /// let stolen = laptop.clone();
    ///
    /// // On the laptop: sign out every other device; the laptop's cookie is re-issued.
    /// let mut account = open(&laptop).await;
    /// assert_eq!(account.sign_out_other_devices().await?, 1);
    /// let mut response = http::Response::new(());
    /// account.save_async(&mut response).await?;
    /// let laptop = cookie(response);
    ///
    /// assert_eq!(open(&stolen).await.rejection(), Some(Rejection::Revoked));
    /// assert_eq!(open(&laptop).await.user.as_deref(), Some("ann"));
    /// # Ok(()) }
    /// # let mut run = std::pin::pin!(run());
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// # let std::task::Poll::Ready(result) = run.as_mut().poll(&mut cx) else { panic!("waited") };
    /// # result.unwrap();
    /// ```
    pub async fn sign_out_other_devices(&mut self) -> Result<u64, Error> {
        let revocable = self.config.get().revocable().ok_or(Error::NotRevocable)?;
        let user = probe::user_of(&self.data, revocable.field()).ok_or(Error::NotRevocable)?;
        let epochs = epochs_of(self.interface.get(), self.config.get()).ok_or(Error::NotRevocable)?.clone();
        let epoch = epochs.bump_epoch(&user).await?;
        self.forget_deferred_user();
        self.state.epoch = Some(UserEpoch { user, epoch });
        self.mark_modified();
        Ok(epoch)
    }
}

/// Stamps the epoch a sign-in's commit read from the source into the state: `"e":EPOCH,` is
/// put first in the envelope, encoded before the epoch was known, where the writer puts it (a
/// JSON object we wrote, so it starts with `{` and holds at least `"v"`; an emptied or
/// untouched session has no payload to stamp).
pub(crate) fn stamp_pending(state: &mut SessionState, user: String, epoch: u64) {
    if let Change::Changed(payload) = &mut state.change
        && epoch > 0
        && payload.first() == Some(&b'{')
    {
        let stamp = format!("{{\"e\":{epoch},");
        payload.splice(..1, stamp.bytes());
    }
    state.epoch = Some(UserEpoch { user, epoch });
}
