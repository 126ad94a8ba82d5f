//! Real Redis deployments for the tests, as child processes on free loopback ports in
//! temporary directories: a Cluster of three masters and three replicas (`redis-server
//! --cluster-enabled yes` + `redis-cli --cluster create`), and a TLS Redis with a CA and a
//! server certificate made by `openssl` at start. The tests that use them are compiled
//! `#[ignore]`d when the build found no `redis-server`/`redis-cli`/`openssl` on `PATH`
//! (`cfg(no_redis_cluster)`, `cfg(no_redis_tls)`, never under CI); a missing binary here is a
//! failure that says so. Every process is killed (SIGKILL) when its handle drops.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port whose cluster bus port (+10000) is free too.
fn free_port() -> u16 {
    loop {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("a free loopback port");
        let port = listener.local_addr().expect("local addr").port();
        if port < 55_000 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

fn temp_dir(kind: &str) -> PathBuf {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random");
    let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let dir = std::env::temp_dir().join(format!("session-{kind}-{name}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn spawn(program: &str, args: &[String]) -> Child {
    Command::new(program).args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap_or_else(
        |error| panic!("needs {program} on PATH (apt-get install redis-server openssl): {error}"),
    )
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends one command over plain TCP and returns the reply as text (a status, an integer, an
/// error or a bulk string; `None` when the node does not answer).
pub fn query(port: u16, parts: &[&str]) -> Option<String> {
    let mut stream =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut request = format!("*{}\r\n", parts.len());
    for part in parts {
        request.push_str(&format!("${}\r\n{part}\r\n", part.len()));
    }
    stream.write_all(request.as_bytes()).ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let line = line.trim_end();
    match line.strip_prefix('$') {
        Some(length) => {
            let length: usize = length.parse().ok()?;
            let mut body = vec![0u8; length + 2];
            reader.read_exact(&mut body).ok()?;
            body.truncate(length);
            String::from_utf8(body).ok()
        }
        None => Some(line.to_owned()),
    }
}

/// One `redis-server` of a cluster.
pub struct Node {
    pub port: u16,
    child: Option<Child>,
}

/// Three masters and three replicas on loopback, `cluster-node-timeout` 1000 ms so that a
/// replica takes over about two seconds after its master dies.
pub struct RedisCluster {
    pub nodes: Vec<Node>,
    dir: PathBuf,
}

impl RedisCluster {
    /// Six nodes on free ports, made one Cluster. A node that does not come up (its port was
    /// taken between `free_port` and its start, by another test's server) means a fresh try on
    /// fresh ports, three at most.
    pub fn start() -> Self {
        for _ in 0..2 {
            if let Some(cluster) = Self::try_start() {
                return cluster.create();
            }
        }
        Self::try_start().expect("six cluster nodes answer PING within 10 s").create()
    }

    /// Starts six nodes; `None` (all killed) when one does not answer PING within 10 s.
    fn try_start() -> Option<Self> {
        let dir = temp_dir("redis-cluster");
        let mut nodes = Vec::new();
        for _ in 0..6 {
            let port = free_port();
            let node_dir = dir.join(port.to_string());
            std::fs::create_dir_all(&node_dir).expect("node dir");
            let args: Vec<String> = [
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--cluster-enabled",
                "yes",
                "--cluster-node-timeout",
                "1000",
                "--save",
                "",
                "--appendonly",
                "no",
                // Replicas sync at once instead of after the default 5 s.
                "--repl-diskless-sync-delay",
                "0",
                "--dir",
                &node_dir.display().to_string(),
            ]
            .iter()
            .map(|arg| arg.to_string())
            .collect();
            nodes.push(Node { port, child: Some(spawn("redis-server", &args)) });
        }
        let cluster = RedisCluster { nodes, dir };
        let started = Instant::now();
        for node in &cluster.nodes {
            while query(node.port, &["PING"]).as_deref() != Some("+PONG") {
                if started.elapsed() > Duration::from_secs(10) {
                    return None; // dropping `cluster` kills every node
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Some(cluster)
    }

    /// `redis-cli --cluster create` over the six nodes, then waits until the Cluster is healthy.
    fn create(self) -> Self {
        let cluster = self;
        let mut create: Vec<String> = vec!["--cluster".into(), "create".into()];
        create.extend(cluster.nodes.iter().map(|node| format!("127.0.0.1:{}", node.port)));
        create.extend(["--cluster-replicas", "1", "--cluster-yes"].map(String::from));
        let status = Command::new("redis-cli")
            .args(&create)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|error| {
                panic!("needs redis-cli on PATH (apt-get install redis-server): {error}")
            });
        assert!(status.success(), "redis-cli --cluster create failed: {status}");
        cluster.wait_until_healthy(Duration::from_secs(30));
        cluster
    }

    /// Seed URLs for the cluster client.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(|node| format!("redis://127.0.0.1:{}/", node.port)).collect()
    }

    fn alive(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|node| node.child.is_some())
    }

    /// Waits until every live node says `cluster_state:ok` and every live replica is in sync
    /// with its master.
    pub fn wait_until_healthy(&self, limit: Duration) {
        wait_for("the cluster is healthy", limit, || {
            self.alive().all(|node| {
                let ok = query(node.port, &["CLUSTER", "INFO"])
                    .is_some_and(|info| info.contains("cluster_state:ok"));
                let synced = query(node.port, &["INFO", "replication"]).is_some_and(|info| {
                    info.contains("role:master") || info.contains("master_link_status:up")
                });
                ok && synced
            })
        });
    }

    /// The ports of the live masters, from `CLUSTER NODES`.
    pub fn masters(&self) -> Vec<u16> {
        let Some(node) = self.alive().next() else { return Vec::new() };
        let listing = query(node.port, &["CLUSTER", "NODES"]).unwrap_or_default();
        listing
            .lines()
            .filter(|line| {
                let flags = line.split(' ').nth(2).unwrap_or_default();
                flags.contains("master") && !flags.contains("fail")
            })
            .filter_map(|line| line.split(' ').nth(1)?.split('@').next()?.rsplit(':').next()?.parse().ok())
            .filter(|port| self.alive().any(|node| node.port == *port))
            .collect()
    }

    /// Kills the node on `port` with SIGKILL: no chance to replicate anything more.
    pub fn kill(&mut self, port: u16) {
        for node in self.nodes.iter_mut().filter(|node| node.port == port) {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        let ports: Vec<u16> = self.nodes.iter().map(|node| node.port).collect();
        for port in ports {
            self.kill(port);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A Redis that speaks TLS only (`--port 0 --tls-port …`), with a certificate for 127.0.0.1
/// signed by a CA made at start; [`ca`](Self::ca) is the CA's certificate to trust.
pub struct TlsRedis {
    pub port: u16,
    child: Option<Child>,
    dir: PathBuf,
}

impl TlsRedis {
    pub fn start() -> Self {
        let dir = temp_dir("redis-tls");
        make_certificates(&dir);
        let port = free_port();
        let file = |name: &str| dir.join(name).display().to_string();
        let args: Vec<String> = vec![
            "--port".into(),
            "0".into(),
            "--tls-port".into(),
            port.to_string(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--tls-cert-file".into(),
            file("server.crt"),
            "--tls-key-file".into(),
            file("server.key"),
            "--tls-ca-cert-file".into(),
            file("ca.crt"),
            "--tls-auth-clients".into(),
            "no".into(),
            "--save".into(),
            "".into(),
            "--appendonly".into(),
            "no".into(),
            "--dir".into(),
            dir.display().to_string(),
        ];
        let redis = TlsRedis { port, child: Some(spawn("redis-server", &args)), dir };
        wait_for("the TLS Redis listens", Duration::from_secs(10), || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        redis
    }

    pub fn url(&self) -> String {
        format!("rediss://127.0.0.1:{}/", self.port)
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A CA and a server certificate for 127.0.0.1 and localhost, P-256 keys, valid one day.
fn make_certificates(dir: &Path) {
    std::fs::write(dir.join("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n").expect("ext file");
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let steps: [Vec<&str>; 3] = [
        [
            &["req", "-x509"][..],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=session test CA"],
        ]
        .concat(),
        [&["req"][..], &ec, &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]]
            .concat(),
        vec![
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "1",
            "-extfile",
            "server.ext",
        ],
    ];
    for args in steps {
        let output = Command::new("openssl")
            .args(&args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|error| panic!("needs openssl on PATH (apt-get install openssl): {error}"));
        assert!(output.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
}
