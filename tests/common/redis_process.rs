//! A private `redis-server` child process (free loopback port, temporary directory, AOF on) for
//! the tests that kill, restart or pause Redis. Those tests are compiled `#[ignore]`d when the
//! build found no `redis-server` on `PATH` (`cfg(no_redis_server)`, never under CI); reaching a
//! missing binary here is a failure that says so.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisProcess {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
}

impl RedisProcess {
    /// Starts a private Redis with `appendonly yes` and `appendfsync always`.
    pub fn start() -> Self {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("random");
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let dir = std::env::temp_dir().join(format!("session-redis-{name}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        // The free port is released before redis-server binds it, so another test's server may
        // take it meanwhile: that server exits at once, and a fresh port is tried.
        let mut last_error = None;
        for _ in 0..5 {
            let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a free loopback port");
            let port = listener.local_addr().expect("local addr").port();
            drop(listener);
            let mut process = RedisProcess { child: None, port, dir: dir.clone() };
            match process.spawn() {
                Ok(()) => return process,
                Err(error) => {
                    last_error = Some(error);
                    // Its drop would remove the directory the next try uses.
                    std::mem::forget(process);
                }
            }
        }
        panic!("needs redis-server on PATH (apt-get install redis-server): it did not start: {last_error:?}");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn spawn(&mut self) -> std::io::Result<()> {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "yes", "--appendfsync", "always"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        let waited = Instant::now();
        while !super::backends::ping(&self.url()) {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(std::io::Error::other(format!(
                    "redis-server exited on port {}: {status}",
                    self.port
                )));
            }
            assert!(
                waited.elapsed() < Duration::from_secs(10),
                "redis-server did not start on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Kills the server (SIGKILL: no chance to flush anything more).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills and starts it again on the same port and directory (the AOF is replayed).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn().expect("restart redis-server");
    }

    /// Sends one command and returns the first line of the reply.
    pub fn command(&self, parts: &[&str]) -> String {
        use std::io::{BufRead, BufReader, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let mut request = format!("*{}\r\n", parts.len());
        for part in parts {
            request.push_str(&format!("${}\r\n{part}\r\n", part.len()));
        }
        stream.write_all(request.as_bytes()).expect("write");
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).expect("read");
        line.trim_end().to_owned()
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
