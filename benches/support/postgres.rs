//! The PostgreSQL the server-side benchmarks use: `POSTGRES_URL` (scripts/start-postgres.sh
//! prints one), if its host accepts a TCP connection.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// `POSTGRES_URL` when something listens at its host and port.
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("POSTGRES_URL").ok().filter(|url| !url.is_empty())?;
    let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let host = rest.rsplit('@').next()?.split(['/', '?']).next()?;
    let host = if host.contains(':') { host.to_owned() } else { format!("{host}:5432") };
    let addr = host.to_socket_addrs().ok()?.next()?;
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).ok()?;
    Some(url)
}
