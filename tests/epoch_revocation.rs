//! Revocable cookie sessions (`#[session(revocable = "user")]`) against the in-memory epoch
//! source: a bump refuses every older cookie of the user, in the native and the sealed format;
//! a cache hit costs no store call; "sign out other devices" keeps the current one; cookies
//! ahead of the source, and sources that are down, are refused (or accepted with `fail_open`).

mod epoch;

use std::time::Duration;

use epoch::{Account, Lenient, SealedAccount, Signed, TestClock, open, open_sync, save, server, sign_in};
use session_runtime::epoch::{Epochs, FnEpochs, MemoryEpochs};
use session_runtime::{Error, Rejection, StoreError};

fn memory(clock: &TestClock) -> (MemoryEpochs, Epochs) {
    let source = MemoryEpochs::new();
    let epochs = Epochs::new(source.clone()).cache_for(Duration::from_secs(5)).with_clock(clock.clone());
    (source, epochs)
}

async fn a_bump_revokes_every_older_cookie<T: Signed>() {
    let clock = TestClock::new();
    let (_, epochs) = memory(&clock);
    let server = server(&epochs, &clock);
    let laptop = sign_in::<T>(&server, "ann").await;
    let phone = sign_in::<T>(&server, "ann").await;
    let bob = sign_in::<T>(&server, "bob").await;
    assert_eq!(open::<T>(&server, &laptop).await.user(), Some("ann"));

    assert_eq!(epochs.bump_epoch("ann").await.unwrap(), 1);
    for cookie in [&laptop, &phone] {
        let session = open::<T>(&server, cookie).await;
        assert_eq!((session.rejection(), session.user()), (Some(Rejection::Revoked), None));
    }
    assert_eq!(open::<T>(&server, &bob).await.user(), Some("bob"), "only ann's cookies");
    let again = sign_in::<T>(&server, "ann").await;
    let session = open::<T>(&server, &again).await;
    assert_eq!((session.rejection(), session.user()), (None, Some("ann")), "a new sign-in carries epoch 1");
}

#[tokio::test]
async fn native_cookies_are_revoked_by_a_bump() {
    a_bump_revokes_every_older_cookie::<Account>().await;
}

#[tokio::test]
async fn sealed_cookies_are_revoked_by_a_bump() {
    a_bump_revokes_every_older_cookie::<SealedAccount>().await;
}

/// The epoch is inside the MAC (or the seal): the cookie of a bumped user cannot be edited back.
#[tokio::test]
async fn the_epoch_is_signed_with_the_session() {
    let clock = TestClock::new();
    let (_, epochs) = memory(&clock);
    let server = server(&epochs, &clock);
    epochs.bump_epoch("ann").await.unwrap();
    let cookie = sign_in::<Account>(&server, "ann").await;
    let value = cookie.split_once('=').unwrap().1;
    let payload =
        String::from_utf8(session_runtime::inspect_unverified(value.as_bytes()).unwrap().payload).unwrap();
    assert!(payload.contains(r#""e":1"#), "{payload}");
    // Forged with the key (a leaked key, or a source restored from a backup): ahead of the source.
    let signer =
        session_runtime::__testing::RawSigner::new(&epoch::keys(), session_runtime::__testing::DEFAULT_SALT);
    let forged =
        signer.sign_json("account", br#"{"v":{"user":"ann","visits":0},"e":7}"#, epoch::START).unwrap();
    let session = open::<Account>(&server, &format!("account={forged}")).await;
    assert_eq!(session.rejection(), Some(Rejection::Revoked));
}

#[tokio::test]
async fn a_cache_hit_costs_no_store_call() {
    let clock = TestClock::new();
    let (source, epochs) = memory(&clock);
    let server = server(&epochs, &clock);
    let cookie = sign_in::<Account>(&server, "ann").await;
    let after_sign_in = source.calls();
    assert_eq!(after_sign_in, 1, "the sign-in read ann's epoch once");
    for _ in 0..10 {
        let mut session = open_sync::<Account>(&server, &cookie);
        session.visit();
        assert_eq!(session.rejection(), None);
    }
    assert_eq!(source.calls(), after_sign_in, "ten opens within the cache time: no store call");
    clock.advance(5);
    assert_eq!(open_sync::<Account>(&server, &cookie).rejection(), None);
    assert_eq!(source.calls(), after_sign_in + 1, "the cache time passed: one call");
    let mut anonymous = open::<Account>(&server, "").await;
    anonymous.visit();
    let anonymous = save(anonymous).await;
    clock.advance(60);
    assert_eq!(open_sync::<Account>(&server, &anonymous).user(), None);
    assert_eq!(source.calls(), after_sign_in + 1, "nobody signed in: nothing to check");
}

#[tokio::test]
async fn sign_out_other_devices_keeps_this_one() {
    let clock = TestClock::new();
    let (_, epochs) = memory(&clock);
    let server = server(&epochs, &clock);
    let laptop = sign_in::<SealedAccount>(&server, "ann").await;
    let phone = sign_in::<SealedAccount>(&server, "ann").await;
    let mut session = open::<SealedAccount>(&server, &laptop).await;
    assert_eq!(session.sign_out_other_devices().await.unwrap(), 1);
    let laptop = save(session).await;
    assert_eq!(open::<SealedAccount>(&server, &phone).await.rejection(), Some(Rejection::Revoked));
    let session = open::<SealedAccount>(&server, &laptop).await;
    assert_eq!((session.rejection(), session.user()), (None, Some("ann")));
    // Nobody signed in: nothing to sign out.
    let mut anonymous = open::<SealedAccount>(&server, "").await;
    assert!(matches!(anonymous.sign_out_other_devices().await, Err(Error::NotRevocable)));
}

/// A type that turns `revocable` on: its cookies carry no epoch, which reads as epoch 0, so they
/// stay valid until the user's first bump, which revokes them too.
#[tokio::test]
async fn cookies_from_before_revocable_read_as_epoch_zero() {
    #[derive(session_runtime::Session, serde::Serialize, serde::Deserialize, Default)]
    #[session(name = "account")]
    struct Before {
        user: Option<String>,
        visits: u32,
    }
    let clock = TestClock::new();
    let (_, epochs) = memory(&clock);
    let server = server(&epochs, &clock);
    let mut before = session_runtime::Tracked::<Before>::open_with(
        server.clone(),
        <Before as session_runtime::Session>::config(),
        &http::Request::new(()),
    );
    before.user = Some("ann".into());
    let mut response = http::Response::new(());
    before.save(&mut response).unwrap();
    let old = epoch::cookie_of(&response).unwrap();
    assert_eq!(open::<Account>(&server, &old).await.user(), Some("ann"));
    epochs.bump_epoch("ann").await.unwrap();
    assert_eq!(open::<Account>(&server, &old).await.rejection(), Some(Rejection::Revoked));
}

/// A source restored from a backup has lower epochs than the cookies issued since: refused.
#[tokio::test]
async fn a_cookie_ahead_of_the_source_is_refused() {
    let clock = TestClock::new();
    let (source, epochs) = memory(&clock);
    let server = server(&epochs, &clock);
    epochs.bump_epoch("ann").await.unwrap();
    let cookie = sign_in::<Account>(&server, "ann").await;
    assert_eq!(open::<Account>(&server, &cookie).await.rejection(), None);
    source.set("ann", 0);
    clock.advance(5);
    assert_eq!(open::<Account>(&server, &cookie).await.rejection(), Some(Rejection::Revoked));
}

/// Down: refused by default (`EpochUnavailable`), accepted by a `fail_open` type; while the cache
/// holds the epoch, neither notices.
#[tokio::test]
async fn a_source_that_is_down_fails_closed_unless_fail_open() {
    let clock = TestClock::new();
    let (source, epochs) = memory(&clock);
    let server = server(&epochs, &clock);
    let strict = sign_in::<Account>(&server, "ann").await;
    let lenient = sign_in::<Lenient>(&server, "ann").await;
    source.set_down(true);
    assert_eq!(open::<Account>(&server, &strict).await.rejection(), None, "cached");
    clock.advance(5);
    let session = open::<Account>(&server, &strict).await;
    assert_eq!((session.rejection(), session.user()), (Some(Rejection::EpochUnavailable), None));
    let session = open::<Lenient>(&server, &lenient).await;
    assert_eq!((session.rejection(), session.user()), (None, Some("ann")));
    // A sign-in cannot be stamped while the source is down: the save fails, nothing is issued.
    let mut new = open::<Account>(&server, "").await;
    new.set_user(Some("bob"));
    let mut response = http::Response::new(());
    assert!(matches!(new.save_async(&mut response).await, Err(Error::Store(StoreError::Unavailable(_)))));
    assert!(epoch::cookie_of(&response).is_none());
    source.set_down(false);
    assert_eq!(open::<Account>(&server, &strict).await.user(), Some("ann"), "back up");
}

/// A source that waits (Redis, PostgreSQL): the async open awaits it; a synchronous open on a
/// cache miss cannot, and fails closed; a sign-in's save awaits it before the cookie is written.
#[tokio::test]
async fn a_waiting_source_is_awaited_by_async_paths() {
    let clock = TestClock::new();
    let memory = MemoryEpochs::new();
    let (current, bump) = (memory.clone(), memory.clone());
    let waiting = FnEpochs::new(
        move |user: String| {
            let memory = current.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(1)).await;
                session_runtime::epoch::EpochSource::current(&memory, &user).await
            }
        },
        move |user: String| {
            let memory = bump.clone();
            async move { session_runtime::epoch::EpochSource::bump(&memory, &user).await }
        },
    );
    let epochs = Epochs::new(waiting).cache_for(Duration::from_secs(1)).with_clock(clock.clone());
    let server = server(&epochs, &clock);
    epochs.bump_epoch("ann").await.unwrap();
    clock.advance(1);
    // The sign-in's epoch is not cached: the save awaits the source, then stamps it.
    let cookie = sign_in::<Account>(&server, "ann").await;
    clock.advance(1);
    assert_eq!(open_sync::<Account>(&server, &cookie).rejection(), Some(Rejection::EpochUnavailable));
    let session = open::<Account>(&server, &cookie).await;
    assert_eq!((session.rejection(), session.user()), (None, Some("ann")), "epoch 1, awaited");
    assert_eq!(open_sync::<Account>(&server, &cookie).user(), Some("ann"), "now cached");
    // A synchronous save of a sign-in that would wait: an error, never an unstamped cookie.
    clock.advance(1);
    let mut new = open_sync::<Account>(&server, "");
    new.set_user(Some("ann"));
    let mut response = http::Response::new(());
    assert!(matches!(new.save(&mut response), Err(Error::Store(StoreError::WouldBlock))));
}

/// A user switched in the same session (sign out, sign in as someone else) gets the new user's
/// epoch, never the old one's.
#[tokio::test]
async fn a_new_user_gets_its_own_epoch() {
    let clock = TestClock::new();
    let (_, epochs) = memory(&clock);
    let server = server(&epochs, &clock);
    epochs.bump_epoch("bob").await.unwrap();
    epochs.bump_epoch("bob").await.unwrap();
    let ann = sign_in::<Account>(&server, "ann").await;
    let mut session = open::<Account>(&server, &ann).await;
    session.set_user(Some("bob"));
    let bob = save(session).await;
    let session = open::<Account>(&server, &bob).await;
    assert_eq!((session.rejection(), session.user()), (None, Some("bob")));
    epochs.bump_epoch("ann").await.unwrap();
    assert_eq!(open::<Account>(&server, &bob).await.user(), Some("bob"), "ann's bump is not bob's");
}

/// A bump while a request of the same user is in flight is never undone by that request's save:
/// the cookie it writes keeps the epoch it came with, whether the handler borrowed the data
/// mutably (the opened user is rendered then, before any change), changed the user and back, or
/// only took a flash (which never borrows the data: the opened user is never rendered).
#[tokio::test]
async fn a_bump_during_a_request_is_not_undone_by_its_save() {
    let clock = TestClock::new();
    let (_, epochs) = memory(&clock);
    let server = server(&epochs, &clock);
    for change in [Change::Visit, Change::AwayAndBack, Change::TakeFlash] {
        let signed_in = sign_in::<Account>(&server, "ann").await;
        let mut session = open::<Account>(&server, &signed_in).await;
        session.flash_with("info", "welcome");
        let laptop = save(session).await;
        let mut session = open::<Account>(&server, &laptop).await;
        assert_eq!(session.user(), Some("ann"), "{change:?}: a cache hit");
        epochs.bump_epoch("ann").await.unwrap();
        match change {
            Change::Visit => session.visit(),
            Change::AwayAndBack => {
                session.set_user(Some("bob"));
                session.visit();
                session.set_user(Some("ann"));
            }
            Change::TakeFlash => assert_eq!(session.take_flashes().len(), 1),
        }
        let written = save(session).await;
        let reopened = open::<Account>(&server, &written).await;
        assert_eq!(reopened.rejection(), Some(Rejection::Revoked), "{change:?}: the bump stands");
    }
}

#[derive(Debug, Clone, Copy)]
enum Change {
    Visit,
    AwayAndBack,
    TakeFlash,
}

/// On the system clock (the default of both the backend and the cache), a hit is checked at the
/// open's own clock reading: a bump in this process refuses the old cookie at once, a cache hit
/// asks the source nothing, and a user who signs in as another is stamped with that user's epoch.
#[tokio::test]
async fn on_the_system_clock_a_hit_uses_the_opens_reading() {
    let source = MemoryEpochs::new();
    let epochs = Epochs::new(source.clone());
    let server = std::sync::Arc::new(
        session_runtime::SecureCookieSessionInterface::new(epoch::keys()).with_epochs(epochs.clone()),
    );
    let laptop = sign_in::<Account>(&server, "ann").await;
    let calls = source.calls();
    for _ in 0..3 {
        assert_eq!(open::<Account>(&server, &laptop).await.user(), Some("ann"));
        assert_eq!(open_sync::<Account>(&server, &laptop).user(), Some("ann"));
    }
    assert_eq!(source.calls(), calls, "hits only");
    epochs.bump_epoch("bob").await.unwrap();
    let mut session = open::<Account>(&server, &laptop).await;
    session.set_user(Some("bob"));
    let bob = save(session).await;
    assert_eq!(open::<Account>(&server, &bob).await.user(), Some("bob"), "bob's own epoch, 1");
    epochs.bump_epoch("ann").await.unwrap();
    assert_eq!(open::<Account>(&server, &laptop).await.rejection(), Some(Rejection::Revoked));
    assert_eq!(open::<Account>(&server, &bob).await.user(), Some("bob"));
}
