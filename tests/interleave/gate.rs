//! The store wrapper that parks every store call of a request until the test lets it run, and the
//! driver that runs one chosen order of those calls, and the enumeration of every order.
//!
//! Each request has its own [`Parked`] store over the shared real one. A call announces itself
//! to the [`Gate`] and waits; the driver waits until every unfinished request is parked (or
//! done), then releases exactly one. So store calls never overlap, each runs as the real store
//! runs it (atomically), and the order of calls is exactly the chosen one. Orders are enumerated
//! depth first: a run follows a prefix of choices, then takes the first parked request at every
//! later step and records how many were parked; the next prefix is the last step that still had
//! an untried request, moved on by one (an odometer over the branching of each run).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use session_runtime::backend::{Record, SessionStore, StoreFuture, StoredSession, Written};
use tokio::sync::{Notify, oneshot};

/// One store call, as logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    Load,
    Save,
    Touch,
    Delete,
    RevokeUser,
    Moved,
    List,
}

/// What the parked requests wait on.
#[derive(Default)]
pub struct Gate {
    state: Mutex<GateState>,
    changed: Notify,
}

#[derive(Default)]
struct GateState {
    /// The requests waiting to make a call, by request index.
    parked: BTreeMap<usize, (Call, oneshot::Sender<()>)>,
    /// The requests that are done.
    finished: usize,
    /// Every call released so far, in order: (request, call).
    log: Vec<(usize, Call)>,
}

impl Gate {
    /// Parks request `who` before `call` until the driver releases it.
    async fn wait(&self, who: usize, call: Call) {
        let (release, released) = oneshot::channel();
        {
            let mut state = self.state.lock().expect("gate");
            state.parked.insert(who, (call, release));
        }
        self.changed.notify_one();
        // The driver never drops a sender without sending: a dropped one means the run is over.
        let _ = released.await;
    }

    /// Marks one request done.
    pub fn finished(&self) {
        self.state.lock().expect("gate").finished += 1;
        self.changed.notify_one();
    }

    /// The calls released so far, in order.
    pub fn log(&self) -> Vec<(usize, Call)> {
        self.state.lock().expect("gate").log.clone()
    }

    /// How many calls have been released so far: the position of the next one.
    pub fn clock(&self) -> usize {
        self.state.lock().expect("gate").log.len()
    }
}

/// A store whose every call waits for the [`Gate`] first.
#[derive(Debug)]
pub struct Parked {
    inner: Arc<dyn SessionStore>,
    gate: Arc<GateHandle>,
    who: usize,
}

/// `Gate` behind a `Debug` the store trait needs.
pub struct GateHandle(pub Arc<Gate>);

impl std::fmt::Debug for GateHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gate")
    }
}

impl Parked {
    /// Request `who`'s view of `inner`.
    pub fn new(inner: Arc<dyn SessionStore>, gate: Arc<Gate>, who: usize) -> Self {
        Self { inner, gate: Arc::new(GateHandle(gate)), who }
    }
}

impl SessionStore for Parked {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            self.gate.0.wait(self.who, Call::Load).await;
            self.inner.load(id).await
        })
    }

    fn save<'a>(&'a self, record: Record<'a>) -> StoreFuture<'a, Written> {
        Box::pin(async move {
            self.gate.0.wait(self.who, Call::Save).await;
            self.inner.save(record).await
        })
    }

    fn touch<'a>(&'a self, id: &'a str, ttl: Duration, user: Option<&'a str>) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            self.gate.0.wait(self.who, Call::Touch).await;
            self.inner.touch(id, ttl, user).await
        })
    }

    fn delete<'a>(&'a self, id: &'a str, user: Option<&'a str>) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.gate.0.wait(self.who, Call::Delete).await;
            self.inner.delete(id, user).await
        })
    }

    fn moved<'a>(&'a self, id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            self.gate.0.wait(self.who, Call::Moved).await;
            self.inner.moved(id).await
        })
    }

    fn revoke_user<'a>(&'a self, user: &'a str) -> StoreFuture<'a, usize> {
        Box::pin(async move {
            self.gate.0.wait(self.who, Call::RevokeUser).await;
            self.inner.revoke_user(user).await
        })
    }

    fn sessions_of<'a>(&'a self, user: &'a str) -> StoreFuture<'a, Vec<StoredSession>> {
        Box::pin(async move {
            self.gate.0.wait(self.who, Call::List).await;
            self.inner.sessions_of(user).await
        })
    }
}

/// Runs `requests` (each already holding its [`Parked`] store) with their store calls in the
/// order `prefix` chooses, then the first parked request at every later step. Returns the
/// branching (how many requests were parked) at every step, and the requests' outputs.
pub async fn run_order<O: Send + 'static>(
    gate: Arc<Gate>,
    requests: Vec<std::pin::Pin<Box<dyn Future<Output = O> + Send>>>,
    prefix: &[usize],
) -> (Vec<usize>, Vec<O>) {
    let total = requests.len();
    let handles: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let gate = gate.clone();
            tokio::spawn(async move {
                let output = request.await;
                gate.finished();
                output
            })
        })
        .collect();
    let mut branching = Vec::new();
    loop {
        // Wait until every request is parked or done.
        loop {
            {
                let state = gate.state.lock().expect("gate");
                if state.parked.len() + state.finished == total {
                    break;
                }
            }
            tokio::time::timeout(Duration::from_secs(30), gate.changed.notified())
                .await
                .expect("a request neither parked nor finished within 30 s");
        }
        let mut state = gate.state.lock().expect("gate");
        if state.parked.is_empty() {
            break;
        }
        let step = branching.len();
        let choice = prefix.get(step).copied().unwrap_or(0).min(state.parked.len() - 1);
        branching.push(state.parked.len());
        let who = *state.parked.keys().nth(choice).expect("a parked request");
        let (call, release) = state.parked.remove(&who).expect("parked");
        state.log.push((who, call));
        let _ = release.send(());
    }
    let mut outputs = Vec::with_capacity(total);
    for handle in handles {
        outputs.push(handle.await.expect("a request panicked"));
    }
    (branching, outputs)
}

/// The prefix of the next order after a run that followed `prefix` and saw `branching`; `None`
/// when every order has been run.
pub fn next_prefix(prefix: &[usize], branching: &[usize]) -> Option<Vec<usize>> {
    let taken: Vec<usize> = (0..branching.len()).map(|step| prefix.get(step).copied().unwrap_or(0)).collect();
    (0..taken.len()).rev().find(|&step| taken[step] + 1 < branching[step]).map(|step| {
        let mut next = taken[..step].to_vec();
        next.push(taken[step] + 1);
        next
    })
}

#[cfg(test)]
mod tests {
    use super::next_prefix;

    #[test]
    fn the_odometer_visits_every_order_once() {
        // Two requests of two calls each: C(4, 2) = 6 orders. Simulate the branching of each.
        let mut orders = Vec::new();
        let mut prefix = Vec::new();
        loop {
            let (mut left, mut order, mut branching) = ([2usize, 2], Vec::new(), Vec::new());
            for step in 0.. {
                let parked: Vec<usize> = (0..2).filter(|&r| left[r] > 0).collect();
                if parked.is_empty() {
                    break;
                }
                let choice = prefix.get(step).copied().unwrap_or(0);
                branching.push(parked.len());
                left[parked[choice]] -= 1;
                order.push(parked[choice]);
            }
            orders.push(order);
            match next_prefix(&prefix, &branching) {
                Some(next) => prefix = next,
                None => break,
            }
        }
        orders.sort();
        orders.dedup();
        assert_eq!(orders.len(), 6);
    }
}
