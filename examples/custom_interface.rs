//! Sessions in your own engine: implement `SessionStore` (five methods) and hand it to
//! `ServerSideSessionInterface`, which signs the id cookie, takes the save decision, plans and
//! commits. This store keeps each session in a file of a directory. Handler code does not
//! change, and the same store works behind the axum and actix layers.
//!
//! `cargo run --example custom_interface`
//!
//! The workspace's end-to-end tests run every server-side test against this store too
//! (`tests/common/backends.rs`, backend `custom`).

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use session_runtime::backend::{Record, SaveMode, SessionStore, StoreError, StoreFuture, Written};
use session_runtime::{Keys, SecretKey, ServerSideSessionInterface, Session, SessionInterface};

/// Sessions as files: `<dir>/<id>` holds the expiry (Unix seconds) on its first line, then the
/// payload; `<dir>/users/<hex of user>` lists that user's session ids. One lock makes each call
/// atomic within the process (a store shared by several processes would need file locks).
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
    lock: Mutex<()>,
}

impl FileStore {
    /// A store in `dir` (created if missing).
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        fs::create_dir_all(dir.join("users"))?;
        Ok(FileStore { dir, lock: Mutex::new(()) })
    }

    fn session_path(&self, id: &str) -> PathBuf {
        // Ids are base64url (letters, digits, `-`, `_`): safe as file names.
        self.dir.join(id)
    }

    fn user_path(&self, user: &str) -> PathBuf {
        let hex: String = user.bytes().map(|b| format!("{b:02x}")).collect();
        self.dir.join("users").join(hex)
    }

    /// The payload of a live session; an expired one is deleted.
    fn read_live(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let bytes = match fs::read(self.session_path(id)) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(failed(error)),
        };
        let newline = bytes.iter().position(|&b| b == b'\n').ok_or_else(|| corrupt(id))?;
        let expires: u64 = std::str::from_utf8(&bytes[..newline])
            .ok()
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| corrupt(id))?;
        if expires <= now() {
            remove(&self.session_path(id))?;
            return Ok(None);
        }
        Ok(Some(bytes[newline + 1..].to_vec()))
    }

    /// Writes a session file through a temporary file and a rename, so a reader never sees half.
    fn write(&self, id: &str, payload: &[u8], ttl: Duration) -> Result<(), StoreError> {
        let temporary = self.dir.join(format!(".{id}.tmp"));
        let mut file = fs::File::create(&temporary).map_err(failed)?;
        writeln!(file, "{}", now() + ttl.as_secs()).map_err(failed)?;
        file.write_all(payload).map_err(failed)?;
        fs::rename(&temporary, self.session_path(id)).map_err(failed)
    }

    fn user_ids(&self, user: &str) -> Result<Vec<String>, StoreError> {
        match fs::read_to_string(self.user_path(user)) {
            Ok(text) => Ok(text.lines().map(str::to_owned).collect()),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(Vec::new()),
            Err(error) => Err(failed(error)),
        }
    }

    fn set_user_ids(&self, user: &str, ids: &[String]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return remove(&self.user_path(user));
        }
        fs::write(self.user_path(user), ids.join("\n")).map_err(failed)
    }

    fn index(&self, user: &str, id: &str) -> Result<(), StoreError> {
        let mut ids = self.user_ids(user)?;
        if !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
        self.set_user_ids(user, &ids)
    }

    fn unindex(&self, user: &str, id: &str) -> Result<(), StoreError> {
        let ids: Vec<String> = self.user_ids(user)?.into_iter().filter(|known| known != id).collect();
        self.set_user_ids(user, &ids)
    }

    /// The checks and the write of one save, atomic under the store's lock.
    fn save_now(&self, record: Record<'_>) -> Result<Written, StoreError> {
        let holds_expected = |payload: &[u8]| record.expected.is_none_or(|expected| payload == expected);
        match record.mode {
            // Create never overwrites another session, and an id rotation needs the old one.
            SaveMode::Create => {
                if self.read_live(record.id)?.is_some() {
                    return Ok(Written::Conflict);
                }
                if let Some(old) = record.replaces {
                    match self.read_live(old)? {
                        None => return Ok(Written::Absent),
                        Some(payload) if !holds_expected(&payload) => return Ok(Written::Conflict),
                        Some(_) => {}
                    }
                }
            }
            // Update never brings back a deleted session, nor writes over another request's.
            SaveMode::Update => match self.read_live(record.id)? {
                None => return Ok(Written::Absent),
                Some(payload) if !holds_expected(&payload) => return Ok(Written::Conflict),
                Some(_) => {}
            },
        }
        self.write(record.id, record.payload, record.ttl)?;
        if let Some(old) = record.replaces {
            self.delete_now(old, record.previous_user.or(record.user))?;
        }
        if let Some(previous) = record.previous_user {
            self.unindex(previous, record.id)?;
        }
        if let Some(user) = record.user {
            self.index(user, record.id)?;
        }
        Ok(Written::Saved)
    }

    fn touch_now(&self, id: &str, ttl: Duration) -> Result<bool, StoreError> {
        match self.read_live(id)? {
            Some(payload) => self.write(id, &payload, ttl).map(|()| true),
            None => Ok(false),
        }
    }

    fn delete_now(&self, id: &str, user: Option<&str>) -> Result<(), StoreError> {
        remove(&self.session_path(id))?;
        user.map_or(Ok(()), |user| self.unindex(user, id))
    }

    fn revoke_now(&self, user: &str) -> Result<usize, StoreError> {
        let mut ended = 0;
        for id in self.user_ids(user)? {
            if self.read_live(&id)?.is_some() {
                ended += 1;
            }
            remove(&self.session_path(&id))?;
        }
        remove(&self.user_path(user))?;
        Ok(ended)
    }

    /// Runs `call` under the store's lock; the file system answers at once, so the future is ready.
    fn locked<'a, T: Send + 'a>(&self, call: impl FnOnce() -> Result<T, StoreError>) -> StoreFuture<'a, T> {
        let _guard = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        Box::pin(std::future::ready(call()))
    }
}

impl SessionStore for FileStore {
    fn load<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        self.locked(|| self.read_live(id))
    }

    fn save<'a>(&'a self, record: Record<'a>) -> StoreFuture<'a, Written> {
        self.locked(|| self.save_now(record))
    }

    fn touch<'a>(&'a self, id: &'a str, ttl: Duration, _user: Option<&'a str>) -> StoreFuture<'a, bool> {
        // The user index has no expiry here, so it outlives the session as the trait asks.
        self.locked(|| self.touch_now(id, ttl))
    }

    fn delete<'a>(&'a self, id: &'a str, user: Option<&'a str>) -> StoreFuture<'a, ()> {
        self.locked(|| self.delete_now(id, user))
    }

    fn revoke_user<'a>(&'a self, user: &'a str) -> StoreFuture<'a, usize> {
        self.locked(|| self.revoke_now(user))
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

fn remove(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != ErrorKind::NotFound => Err(failed(error)),
        _ => Ok(()),
    }
}

fn failed(error: std::io::Error) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

fn corrupt(id: &str) -> StoreError {
    StoreError::Backend(format!("session file {id} has no expiry line"))
}

#[derive(Session, Serialize, Deserialize, Default, Debug)]
#[session(name = "sid")]
struct Cart {
    user: Option<String>,
    items: Vec<String>,
}

#[allow(dead_code)] // the end-to-end tests include this file for its store
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("custom-store-{}", std::process::id()));
    let store = FileStore::new(&dir)?;
    let server = Arc::new(
        ServerSideSessionInterface::new(Keys::new(SecretKey::generate()?), store).with_user_index("user"),
    );
    let backend: Arc<dyn SessionInterface> = server.clone();

    let mut cart = Cart::open_with(&backend, &http::Request::new(()));
    cart.user = Some("ada".into());
    cart.items.push("book".into());
    let mut response = http::Response::new(());
    cart.save(&mut response)?;
    let cookie = response.headers()["set-cookie"].to_str()?.split(';').next().unwrap_or_default().to_owned();
    assert!(!cookie.contains("book"), "the cookie carries only the signed id");
    println!("the cookie holds only a signed id: {cookie}");

    let request = http::Request::builder().header("cookie", &cookie).body(())?;
    let mut cart = Cart::open_with(&backend, &request);
    cart.items.push("pen".into());
    let mut response = http::Response::new(());
    cart.save(&mut response)?;

    let cart = Cart::open_with(&backend, &request);
    assert_eq!(cart.items, ["book", "pen"]);
    println!("in {}: {:?}", dir.display(), cart.items);

    let ended = server.revoke_user("ada").await?;
    assert_eq!(ended, 1);
    let cart = Cart::open_with(&backend, &request);
    assert_eq!(cart.rejection(), Some(session_runtime::Rejection::UnknownSession));
    println!("signed out everywhere: {ended} session ended");
    fs::remove_dir_all(&dir)?;
    Ok(())
}
