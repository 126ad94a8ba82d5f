//! The account page's one client-sent value: the session handle a "sign out this device" form
//! posts back to `ServerSideSessionInterface::revoke`. Whatever it is, revoking with it must end
//! nothing and answer `Error::UnknownHandle` unless it is one of the signed-in user's own handles,
//! and never panic. A fuzzer cannot guess a 128-bit MAC, but libFuzzer's comparison tracing lifts
//! the real handles out of the harness's own check, so it does post them: that must end exactly
//! the session named (then the world is set up again). The other user's session is never touched.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use session_runtime::{
    CookieConfig, Error, Keys, SecretKey, ServerSideSessionInterface, SessionHandle, SessionInfo, Tracked,
};

use crate::Data;

/// A signed-in user with three sessions (the first one current), and another user with one.
struct World {
    backend: Arc<ServerSideSessionInterface>,
    /// The first user's current session.
    cookie: String,
    /// The first user's handles, as listed.
    handles: Vec<SessionHandle>,
}

thread_local! {
    static WORLD: RefCell<World> = RefCell::new(World::new());
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
        sign_in("bob");
        let mut world = World { backend, cookie, handles: Vec::new() };
        world.handles = world.listed("ann").into_iter().map(|s| s.handle).collect();
        world
    }

    fn open(&self, cookie: &str) -> Tracked<Data> {
        let request = http::Request::builder().header("cookie", cookie).body(()).expect("request");
        Tracked::open_with(self.backend.clone(), CookieConfig::DEFAULT, &request)
    }

    fn listed(&self, user: &str) -> Vec<SessionInfo> {
        ready(self.backend.sessions_of_user(user, &CookieConfig::DEFAULT)).expect("listing")
    }
}

/// Revokes with `bytes` as the posted handle (as text, as a form field arrives).
pub fn fuzz_handle(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    WORLD.with_borrow_mut(|world| {
        let handle = SessionHandle::from(text.as_ref());
        let current = world.open(&world.cookie);
        let revoked = ready(world.backend.revoke(&current, &handle));
        assert_eq!(world.listed("bob").len(), 1, "the other user's session is untouched");
        let left: Vec<SessionHandle> = world.listed("ann").into_iter().map(|s| s.handle).collect();
        match revoked {
            Err(Error::UnknownHandle) => assert_eq!(left.len(), 3, "nothing ended: {text:?}"),
            Ok(()) => {
                assert!(world.handles.contains(&handle), "a handle nobody listed ended a session: {text:?}");
                let expected: Vec<&SessionHandle> =
                    world.handles.iter().filter(|known| **known != handle).collect();
                assert!(
                    left.len() == expected.len() && left.iter().all(|h| expected.contains(&h)),
                    "only the named session ended"
                );
                *world = World::new();
            }
            Err(other) => panic!("{other}"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_ends_nothing() {
        for input in [&b""[..], b"AAAAAAAAAAAAAAAAAAAAAA", b"\xff\xfe", b"%%", b"a.b.c"] {
            fuzz_handle(input);
        }
        WORLD.with_borrow(|world| assert_eq!(world.handles.len(), 3));
    }

    /// A real handle (as comparison tracing finds one) ends that session only; the input the
    /// first run stopped on (a real handle of that run's random ids) is kept as a seed.
    #[test]
    fn a_real_handle_ends_its_session_only() {
        let handle = WORLD.with_borrow(|world| world.handles[1].clone());
        fuzz_handle(handle.as_str().as_bytes());
        fuzz_handle(include_bytes!("../corpus/handle/real-handle-found-by-cmp-tracing"));
        WORLD.with_borrow(|world| assert_eq!(world.listed("ann").len(), 3, "set up again"));
    }
}
