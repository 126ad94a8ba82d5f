//! The HTTP benchmark (docs/performance.md, "Over real HTTP"): `bash benches/http/run.sh`.
//!
//! Every variant is a real server, a child process of this one pinned to core 0 (`taskset`); the
//! load client runs here, pinned to core 1: 32 keep-alive connections, each with its own cookie
//! jar, 80 % `GET /` that reads the session and 20 % `POST /` that changes it. Each variant is
//! checked first (it creates a session, re-opens it with the POST's change, refuses a tampered
//! cookie); the run stops otherwise. Then interleaved rounds (every variant once per round, the
//! order rotated), the server's CPU time per request (utime + stime) and requests per second,
//! with Redis's and PostgreSQL's CPU per request for the store rows. The report gives medians of
//! per-round ratios to the floor of the same framework (axum or actix-web alone).

mod actix_servers;
mod axum_servers;
mod client;
mod cpu;
mod payload;
mod report;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use client::Until;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Every variant, in the report's order.
pub const VARIANTS: &[&str] = &[
    "axum",
    "ours-signed",
    "ours-sealed",
    "ours-memory",
    "ours-redis",
    "ours-postgres",
    "ts-memory",
    "ts-memory-signed",
    "ts-redis",
    "ts-postgres",
    "axum-extra-signed",
    "actix",
    "actix-session-signed",
    "actix-session-private",
];

/// The servers the store rows use (`REDIS_URL`, `POSTGRES_URL`; `POSTGRES_DIR` for its CPU).
pub struct Env {
    redis: Option<String>,
    postgres: Option<String>,
    postgres_dir: Option<String>,
}

impl Env {
    fn from_env() -> Self {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        Env { redis: var("REDIS_URL"), postgres: var("POSTGRES_URL"), postgres_dir: var("POSTGRES_DIR") }
    }

    pub fn redis(&self) -> Result<String, Error> {
        self.redis.clone().ok_or_else(|| "REDIS_URL is not set".into())
    }

    pub fn postgres(&self) -> Result<String, Error> {
        self.postgres.clone().ok_or_else(|| "POSTGRES_URL is not set".into())
    }

    fn has_server(&self, variant: &str) -> bool {
        if variant.ends_with("-redis") {
            self.redis.is_some()
        } else if variant.ends_with("-postgres") {
            self.postgres.is_some()
        } else {
            true
        }
    }
}

/// The port line a server prints once it listens.
pub fn announce(port: u16) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{port}");
    let _ = out.flush();
}

struct Options {
    rounds: usize,
    until: Until,
    connections: usize,
    only: Option<Vec<String>>,
    require_stores: bool,
}

fn options(args: &[String]) -> Result<Options, Error> {
    let mut options = Options {
        rounds: 10,
        until: Until::Seconds(1.0),
        connections: 32,
        only: None,
        require_stores: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--rounds" => options.rounds = value()?.parse()?,
            "--seconds" => options.until = Until::Seconds(value()?.parse()?),
            "--requests" => options.until = Until::Requests(value()?.parse()?),
            "--connections" => options.connections = value()?.parse()?,
            "--only" => options.only = Some(value()?.split(',').map(str::to_owned).collect()),
            "--require-stores" => options.require_stores = true,
            "--smoke" => {
                options.rounds = 1;
                options.until = Until::Requests(300);
            }
            other => return Err(format!("unknown argument {other:?} (see benches/http/run.sh)").into()),
        }
    }
    Ok(options)
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        let variant = args.get(1).ok_or("serve needs a variant")?;
        return serve(variant);
    }
    run(options(&args)?)
}

/// A server for `variant` (the child's side).
fn serve(variant: &str) -> Result<(), Error> {
    if actix_servers::is_actix(variant) {
        return Ok(actix_servers::serve(variant)?);
    }
    tokio::runtime::Runtime::new()?.block_on(async {
        let router = axum_servers::router(variant, &Env::from_env()).await?.ok_or("no such variant")?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        announce(listener.local_addr()?.port());
        axum::serve(listener, router).await?;
        Ok(())
    })
}

/// A running variant.
pub struct Server {
    pub variant: &'static str,
    pub addr: SocketAddr,
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pinned(core: usize) -> Command {
    let mut command = Command::new("taskset");
    command.args(["-c", &core.to_string()]);
    command
}

fn start(variant: &'static str) -> Result<Server, Error> {
    let mut child = pinned(0)
        .arg(std::env::current_exe()?)
        .args(["serve", variant])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {variant} under taskset: {e}"))?;
    let mut line = String::new();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    BufReader::new(stdout).read_line(&mut line)?;
    let port: u16 = match line.trim().parse() {
        Ok(port) => port,
        Err(_) => {
            let _ = child.kill();
            return Err(format!("{variant} did not start (see its error above)").into());
        }
    };
    Ok(Server { variant, addr: SocketAddr::from(([127, 0, 0, 1], port)), child })
}

fn run(options: Options) -> Result<(), Error> {
    let env = Env::from_env();
    // The client on core 1, before any other thread exists; servers on core 0.
    let pid = std::process::id().to_string();
    let status =
        Command::new("taskset").args(["-a", "-c", "-p", "1", &pid]).stdout(Stdio::null()).status()?;
    if !status.success() {
        return Err("taskset could not pin the client to core 1 (two cores needed)".into());
    }
    let mut variants = Vec::new();
    for &variant in VARIANTS {
        if options.only.as_ref().is_some_and(|only| !only.iter().any(|o| o == variant)) {
            continue;
        }
        if !env.has_server(variant) {
            if options.require_stores {
                return Err(
                    format!("{variant}: its server's URL is not set (REDIS_URL, POSTGRES_URL)").into()
                );
            }
            eprintln!("skipped {variant}: set REDIS_URL / POSTGRES_URL to run it");
            continue;
        }
        variants.push(variant);
    }
    let servers: Vec<Server> = variants.iter().map(|v| start(v)).collect::<Result<_, _>>()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(measure(&servers, &options, &env))
}

async fn measure(servers: &[Server], options: &Options, env: &Env) -> Result<(), Error> {
    for server in servers {
        if server.variant == "axum" || server.variant == "actix" {
            continue;
        }
        client::check(server.addr).await.map_err(|e| format!("{}: check failed: {e}", server.variant))?;
        eprintln!("checked {}: creates, re-opens with the change, refuses a tampered cookie", server.variant);
    }
    let tick = cpu::ticks_per_second();
    let warm_up = match options.until {
        Until::Seconds(s) => Until::Seconds(s / 4.0),
        requests => requests,
    };
    for server in servers {
        client::load(
            server.addr,
            options.connections,
            warm_up,
            server.variant != "axum" && server.variant != "actix",
        )
        .await
        .map_err(|e| format!("{}: {e}", server.variant))?;
    }
    let mut table = report::Table::new(servers.iter().map(|s| s.variant).collect());
    let load = report::load_average();
    for round in 0..options.rounds {
        for k in 0..servers.len() {
            let server = &servers[(k + round) % servers.len()];
            let redis = server.variant.ends_with("-redis").then_some(env.redis.as_deref()).flatten();
            let postgres =
                server.variant.ends_with("-postgres").then_some(env.postgres_dir.as_deref()).flatten();
            let before = (
                cpu::process_seconds(server.child.id(), tick),
                redis.and_then(cpu::redis_counters),
                postgres.and_then(|dir| cpu::postgres_seconds(dir, tick)),
            );
            let sessions = server.variant != "axum" && server.variant != "actix";
            let done = client::load(server.addr, options.connections, options.until, sessions)
                .await
                .map_err(|e| format!("{}: {e}", server.variant))?;
            let after = (
                cpu::process_seconds(server.child.id(), tick),
                redis.and_then(cpu::redis_counters),
                postgres.and_then(|dir| cpu::postgres_seconds(dir, tick)),
            );
            let n = done.requests as f64;
            table.add(report::Sample {
                round,
                variant: server.variant,
                cpu_us: (after.0 - before.0) * 1e6 / n,
                rps: n / done.seconds,
                store_us: match (before.1, after.1, before.2, after.2) {
                    (Some((b, ..)), Some((a, ..)), _, _) => Some((a - b) * 1e6 / n),
                    (_, _, Some(b), Some(a)) => Some((a - b) * 1e6 / n),
                    _ => None,
                },
                commands: match (before.1, after.1) {
                    (Some((_, b, bs)), Some((_, a, as_))) => {
                        Some(((a - b) as f64 / n, (as_ - bs) as f64 / n))
                    }
                    _ => None,
                },
            });
        }
        eprintln!("round {} of {} done", round + 1, options.rounds);
    }
    println!("{}", table.render(load, report::load_average()));
    Ok(())
}
