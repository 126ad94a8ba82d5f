//! The Redis the server-side benchmarks use: `REDIS_URL` (default `redis://127.0.0.1:6379/`),
//! if it answers PING.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// `REDIS_URL` when a Redis answers there.
pub fn redis_url() -> Option<String> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let host = url.trim_start_matches("redis://").split('/').next()?.to_owned();
    let addr = host.to_socket_addrs().ok()?.next()?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(300)).ok()?;
    stream.set_read_timeout(Some(Duration::from_millis(300))).ok()?;
    stream.write_all(b"PING\r\n").ok()?;
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply).ok()?;
    (&reply == b"+PONG\r\n").then_some(url)
}

/// The seed nodes of a Redis Cluster for the cluster rows: `REDIS_CLUSTER_NODES`, URLs separated
/// by commas (e.g. `redis://127.0.0.1:7000,redis://127.0.0.1:7001`), when set.
#[allow(dead_code)] // only the cas bench has cluster rows
pub fn redis_cluster_nodes() -> Option<Vec<String>> {
    let nodes = std::env::var("REDIS_CLUSTER_NODES").ok()?;
    let nodes: Vec<String> =
        nodes.split(',').map(str::trim).filter(|node| !node.is_empty()).map(String::from).collect();
    (!nodes.is_empty()).then_some(nodes)
}
