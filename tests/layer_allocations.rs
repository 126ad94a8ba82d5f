//! Allocation counts of one request through the tower layer (issue 27, "make the layer cheap"):
//! what the layer adds around the session's own open and save, counted exactly with a counting
//! global allocator (per thread; the request is driven on this thread, no timing).

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use http::{Request, Response};
use serde::{Deserialize, Serialize};
use session_runtime::tower::SessionLayer;
use session_runtime::{Session, Tracked};
use tower::{Layer, Service, ServiceExt};

#[path = "../benches/support/mod.rs"]
mod support;

#[path = "../benches/support/counting.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// The small session of the benchmarks (id, name, CSRF token, 10-item cart), as a session type.
#[derive(Session, Serialize, Deserialize, Default, Debug, Clone)]
struct Small {
    id: u64,
    name: String,
    csrf: String,
    cart: Vec<u64>,
}

fn small() -> Small {
    let support::Small { id, name, csrf, cart } = support::small();
    Small { id, name, csrf, cart }
}

/// Polls `future` to its end on this thread (every future here is ready without waiting).
fn run<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

/// The allocations of one request through `SessionLayer` whose handler opens the small session
/// and, when `change`, changes it; and the same handler's work without the layer (open and save
/// by hand), so that the difference is the layer's own.
fn request(change: bool) -> (u64, u64) {
    let backend = support::leak_backend();
    let data = small();
    let handler = move |request: Request<()>| async move {
        let mut session = session_runtime::tower::open::<Small, _>(&request).expect("the layer");
        if change {
            session.cart.push(1);
        }
        assert_eq!(session.id, 48_151_623);
        drop(session);
        Ok::<_, Infallible>(Response::new(()))
    };
    let mut service = SessionLayer::with_interface(backend).layer(tower::service_fn(handler));
    // Warm: the first request fills what is made once (the process-wide state of the runtime).
    let warm = run(service.ready())
        .map(|ready| run(ready.call(support::request_in(backend, Small::config(), &data))));
    assert!(warm.unwrap().unwrap().status().is_success());
    let request = support::request_in(backend, Small::config(), &data);
    let (layered, response) = counting::allocations(|| run(service.call(request)));
    assert!(response.unwrap().headers().contains_key("vary"));

    let request = support::request_in(backend, Small::config(), &data);
    let (alone, ()) = counting::allocations(|| {
        let mut session = Tracked::<Small>::open_with(backend, Small::config(), &request);
        if change {
            session.cart.push(1);
        }
        assert_eq!(session.id, 48_151_623);
        let mut response = Response::new(());
        session.save(&mut response).unwrap();
    });
    (layered, alone)
}

/// What the layer adds, besides the session's own work: the request's extensions map (its box,
/// its table, the scope's entry), the scope's shared state (one `Arc`, was two), the response
/// future's box, the hook that hands the dropped session to the scope, and the scope's queue
/// of sessions to save. The common one-session save no longer collects its outcomes into a
/// vector (9 before both changes). Behind axum the extensions map exists already.
#[test]
fn the_layer_adds_seven_allocations_to_a_request() {
    for change in [false, true] {
        let (layered, alone) = request(change);
        assert_eq!(layered - alone, 7, "changed: {change}: {layered} through the layer, {alone} without");
    }
}
