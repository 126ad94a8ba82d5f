//! The account page's one client-sent value: the session handle a "sign out this device" form
//! posts back to `ServerSideSessionInterface::revoke`. Whatever it is, revoking with it must end
//! nothing and answer `Error::UnknownHandle` unless it is one of the signed-in user's own handles
//! (which a fuzzer cannot produce: 128-bit MACs), and never panic. A second user's sessions are
//! always left alone.

use std::future::Future;
use std::sync::Arc;

use session_runtime::{
    CookieConfig, Error, Keys, SecretKey, ServerSideSessionInterface, SessionHandle, SessionInfo, Tracked,
};

use crate::Data;

/// A signed-in user with three sessions, another user with one, and the first user's current
/// session's cookie.
struct World {
    backend: Arc<ServerSideSessionInterface>,
    cookie: String,
    handles: Vec<SessionHandle>,
}

thread_local! {
    static WORLD: World = World::new();
}

/// Runs a future the memory store completes without waiting.
fn ready<F: Future>(future: F) -> F::Output {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

impl World {
    fn new() -> World {
        let keys = Keys::new(SecretKey::try_from(&[11u8; 32][..]).expect("key"));
        let backend = Arc::new(ServerSideSessionInterface::memory(keys).with_user_index("user"));
        let sign_in = |user: &str| {
            let mut session: Tracked<Data> =
                Tracked::open_with(backend.clone(), CookieConfig::DEFAULT, &http::Request::new(()));
            session.user = Some(user.to_owned());
            let mut response = http::Response::new(());
            session.save(&mut response).expect("sign-in");
            let line = response.headers()["set-cookie"].to_str().expect("ascii").to_owned();
            line.split(';').next().unwrap_or_default().to_owned()
        };
        let cookie = sign_in("ann");
        sign_in("ann");
        sign_in("ann");
        let other = sign_in("bob");
        let world = World { backend, cookie, handles: Vec::new() };
        let handles = world.listed(&world.cookie).into_iter().map(|s| s.handle).collect();
        assert_eq!(world.listed(&other).len(), 1);
        World { handles, ..world }
    }

    fn open(&self, cookie: &str) -> Tracked<Data> {
        let request = http::Request::builder().header("cookie", cookie).body(()).expect("request");
        Tracked::open_with(self.backend.clone(), CookieConfig::DEFAULT, &request)
    }

    fn listed(&self, cookie: &str) -> Vec<SessionInfo> {
        ready(self.backend.sessions_of(&self.open(cookie))).expect("listing")
    }
}

/// Revokes with `bytes` as the posted handle (as text, as a form field arrives).
pub fn fuzz_handle(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    WORLD.with(|world| {
        let handle = SessionHandle::from(text.as_ref());
        let current = world.open(&world.cookie);
        match ready(world.backend.revoke(&current, &handle)) {
            Err(Error::UnknownHandle) => {}
            Ok(()) => {
                assert!(world.handles.contains(&handle), "a handle nobody listed ended a session: {text:?}")
            }
            Err(other) => panic!("{other}"),
        }
        assert_eq!(world.listed(&world.cookie).len(), 3, "the user's sessions are intact");
        assert!(!world.open(&world.cookie).is_new());
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The user's own handles are the only ones that work: this one is then put back, so the
    /// target's world stays the same.
    #[test]
    fn garbage_ends_nothing() {
        for input in [&b""[..], b"AAAAAAAAAAAAAAAAAAAAAA", b"\xff\xfe", b"%%", b"a.b.c"] {
            fuzz_handle(input);
        }
        WORLD.with(|world| assert_eq!(world.handles.len(), 3));
    }
}
