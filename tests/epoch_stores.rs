//! Revocable cookie sessions against the real epoch sources: Redis (`REDIS_URL`) and PostgreSQL
//! (`POSTGRES_URL`), each through the whole sign-in, bump, refusal cycle in both formats; and
//! three servers sharing one Redis source, each with its own one-second cache, on one test
//! clock: after a bump the old cookie is refused by all three within the cache time plus one
//! request, and accepted by none after. Ignored without the server (failing under `CI`).

mod epoch;

use std::time::Duration;

use epoch::{Account, SealedAccount, Signed, TestClock, open, server, sign_in};
use session_runtime::Rejection;
use session_runtime::epoch::{EpochSource, Epochs, PostgresEpochs, RedisEpochs};

/// A user name no earlier run used: the stores keep epochs for ever.
fn fresh_user() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random bytes");
    format!("user-{}", u64::from_le_bytes(bytes))
}

async fn redis() -> RedisEpochs {
    let url = std::env::var("REDIS_URL").expect("needs a Redis server: set REDIS_URL");
    RedisEpochs::connect(&url).await.expect("Redis answers")
}

async fn postgres() -> PostgresEpochs {
    let url = std::env::var("POSTGRES_URL").expect("needs PostgreSQL: set POSTGRES_URL");
    PostgresEpochs::connect(&url).await.expect("PostgreSQL answers")
}

/// Sign in, bump, refused; a new sign-in accepted; bumps count up from the store's value.
async fn cycle<T: Signed>(source: impl EpochSource + Clone + 'static) {
    let user = fresh_user();
    assert_eq!(source.current(&user).await.unwrap(), 0, "a user never bumped is at 0");
    let clock = TestClock::new();
    let epochs = Epochs::new(source.clone()).cache_for(Duration::from_secs(2)).with_clock(clock.clone());
    let server = server(&epochs, &clock);
    let cookie = sign_in::<T>(&server, &user).await;
    assert_eq!(open::<T>(&server, &cookie).await.user(), Some(user.as_str()));
    assert_eq!(epochs.bump_epoch(&user).await.unwrap(), 1);
    assert_eq!(source.current(&user).await.unwrap(), 1);
    assert_eq!(open::<T>(&server, &cookie).await.rejection(), Some(Rejection::Revoked));
    let again = sign_in::<T>(&server, &user).await;
    clock.advance(2);
    assert_eq!(open::<T>(&server, &again).await.user(), Some(user.as_str()), "read from the store");
    assert_eq!(source.bump(&user).await.unwrap(), 2);
}

#[tokio::test]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn redis_native() {
    cycle::<Account>(redis().await).await;
}

#[tokio::test]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn redis_sealed() {
    cycle::<SealedAccount>(redis().await).await;
}

#[tokio::test]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn postgres_native() {
    cycle::<Account>(postgres().await).await;
}

#[tokio::test]
#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: set POSTGRES_URL (scripts/start-postgres.sh)")]
async fn postgres_sealed() {
    cycle::<SealedAccount>(postgres().await).await;
}

#[tokio::test]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn three_servers_refuse_within_the_cache_time() {
    let source = redis().await;
    let user = fresh_user();
    let clock = TestClock::new();
    let servers: Vec<_> = (0..3)
        .map(|_| {
            let epochs =
                Epochs::new(source.clone()).cache_for(Duration::from_secs(1)).with_clock(clock.clone());
            (server(&epochs, &clock), epochs)
        })
        .collect();
    let laptop = sign_in::<Account>(&servers[0].0, &user).await;
    let phone = sign_in::<Account>(&servers[1].0, &user).await;
    for (server, _) in &servers {
        assert_eq!(open::<Account>(server, &phone).await.user(), Some(user.as_str()), "every cache warm");
    }

    // On the laptop, through server 0: sign out the other devices.
    let mut session = open::<Account>(&servers[0].0, &laptop).await;
    session.sign_out_other_devices().await.unwrap();
    let laptop = epoch::save(session).await;

    // The same second: server 0 refuses the phone at once; 1 and 2 still hold epoch 0 (the
    // window docs/security.md describes), but accept the laptop's new cookie: it is ahead of
    // their cache, so they ask the source.
    assert_eq!(open::<Account>(&servers[0].0, &phone).await.rejection(), Some(Rejection::Revoked));
    for (server, _) in &servers[1..] {
        assert_eq!(open::<Account>(server, &phone).await.rejection(), None, "within the cache time");
    }
    for (server, _) in &servers {
        assert_eq!(open::<Account>(server, &laptop).await.user(), Some(user.as_str()));
    }

    // One second later (the cache time), the next request on every server refuses the phone,
    // and so does every request after.
    clock.advance(1);
    for round in 0..3 {
        for (index, (server, _)) in servers.iter().enumerate() {
            let phone = open::<Account>(server, &phone).await;
            assert_eq!(phone.rejection(), Some(Rejection::Revoked), "server {index}, round {round}");
            assert_eq!(open::<Account>(server, &laptop).await.user(), Some(user.as_str()));
        }
        clock.advance(1);
    }
}
