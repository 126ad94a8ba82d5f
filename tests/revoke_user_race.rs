//! `revoke_user` racing sign-ins of the same user (issue 24, item 3). A revocation reads the
//! user's index, ends the sessions read, then takes those ids out of the index. It must take out
//! only the ids it read: a sign-in that lands in between keeps its index entry, so the next
//! revocation ends it. On Redis the index was deleted whole, so such a sign-in survived every
//! later revocation (6 of 40 in the review).
//!
//! The deterministic test drives the Redis store's two steps with a sign-in between them; the
//! count test runs 40 sign-ins at once with a revocation, on memory, Redis and PostgreSQL (memory
//! and PostgreSQL revoke in one atomic step: a lock, one `DELETE … WHERE user_id`).

#[path = "common/backends.rs"]
mod backends;

use std::sync::Arc;
use std::time::Duration;

use session_runtime::backend::{Record, SaveMode, SessionStore, Written};

const TTL: Duration = Duration::from_secs(60);

/// A sign-in as the store sees it: a new id, indexed under `user`.
async fn sign_in(store: &dyn SessionStore, id: &str, user: &str) {
    let record = Record::new(id, br#"{"v":{"user":"ada"}}"#, TTL, SaveMode::Create).with_user(Some(user));
    assert_eq!(store.save(record).await.unwrap(), Written::Saved);
}

/// A sign-in between the revocation's read of the index and its removal of the ids read: the
/// revocation ends what it read, the sign-in's session lives on with its index entry, and the
/// next revocation ends it.
#[tokio::test]
#[cfg_attr(no_redis, ignore = "needs a Redis server: set REDIS_URL")]
async fn a_sign_in_between_the_read_and_the_removal_stays_revocable_on_redis() {
    let store = backends::redis_store();
    sign_in(&store, "early", "ada").await;
    let read = store.revoke_user_read("ada").await.unwrap();
    assert_eq!(read, vec!["early".to_owned()]);
    sign_in(&store, "late", "ada").await;
    assert_eq!(store.revoke_user_finish("ada", &read).await.unwrap(), 1);
    assert_eq!(store.load("early").await.unwrap(), None);
    assert!(store.load("late").await.unwrap().is_some(), "signed in after the index was read");
    assert_eq!(store.revoke_user("ada").await.unwrap(), 1, "the late sign-in is still in the index");
    assert_eq!(store.load("late").await.unwrap(), None);
    assert_eq!(store.revoke_user("ada").await.unwrap(), 0);
}

backends::tests!(
    forty_concurrent_sign_ins_are_all_revoked_by_a_second_revocation
    [flavor = "multi_thread", worker_threads = 4]
    memory redis postgres
);
/// 40 sign-ins of one user at once, with a revocation running among them, then a second
/// revocation: 0 of the 40 sessions survive.
async fn forty_concurrent_sign_ins_are_all_revoked_by_a_second_revocation() {
    let store = backends::current().store().expect("a server-side backend");
    for round in 0..5 {
        let user = format!("ada{round}");
        let ids: Vec<String> = (0..40).map(|i| format!("r{round}-{i}-{}", backends::random_hex())).collect();
        let mut tasks = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let (store, id, user) = (Arc::clone(&store), id.clone(), user.clone());
            tasks.push(tokio::spawn(async move {
                // Spread the sign-ins over the revocation.
                tokio::time::sleep(Duration::from_micros(200 * i as u64)).await;
                sign_in(&*store, &id, &user).await;
            }));
        }
        let revoking = {
            let (store, user) = (Arc::clone(&store), user.clone());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(3)).await;
                store.revoke_user(&user).await.unwrap()
            })
        };
        for task in tasks {
            task.await.unwrap();
        }
        revoking.await.unwrap();
        store.revoke_user(&user).await.unwrap();
        let mut survived = 0;
        for id in &ids {
            survived += usize::from(store.load(id).await.unwrap().is_some());
        }
        assert_eq!(survived, 0, "round {round}: {survived} of 40 sign-ins survived two revocations");
    }
}
