//! CPU time of the processes under test, from /proc: a server's utime + stime
//! (`/proc/<pid>/stat`), Redis's own counters (`INFO cpu`, `INFO commandstats`, through
//! `redis-cli`) and the sum over a PostgreSQL cluster's processes (the postmaster's children).

use std::process::Command;

/// Clock ticks per second of /proc's times (`getconf CLK_TCK`; 100 on Linux).
pub fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}

/// utime + stime of `pid` (its threads included, and the ones that ended), and its parent, in ticks.
fn stat(pid: u32) -> Option<(u64, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: fields count from after it.
    let fields: Vec<&str> = text.get(text.rfind(')')? + 2..)?.split_whitespace().collect();
    let parent = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime, parent))
}

/// A process's CPU time in seconds.
pub fn process_seconds(pid: u32, tick: f64) -> f64 {
    stat(pid).map_or(0.0, |(ticks, _)| ticks as f64 / tick)
}

/// The CPU seconds of a PostgreSQL cluster: its postmaster (`postmaster.pid` in `dir` or in
/// `dir/data`, as scripts/start-postgres.sh makes it) and every child process alive now
/// (backends, background workers).
pub fn postgres_seconds(dir: &str, tick: f64) -> Option<f64> {
    let text = std::fs::read_to_string(format!("{dir}/postmaster.pid"))
        .or_else(|_| std::fs::read_to_string(format!("{dir}/data/postmaster.pid")))
        .ok()?;
    let postmaster: u32 = text.lines().next()?.trim().parse().ok()?;
    let mut ticks = stat(postmaster)?.0;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else {
            continue;
        };
        if let Some((own, parent)) = stat(pid)
            && parent == postmaster
        {
            ticks += own;
        }
    }
    Some(ticks as f64 / tick)
}

/// Redis's CPU seconds (user + system), the commands it has run but `INFO`'s own (those a script
/// runs included: Redis counts them too), and the scripts (`EVAL`, `EVALSHA`, `FCALL`).
pub fn redis_counters(url: &str) -> Option<(f64, u64, u64)> {
    let out = Command::new("redis-cli").args(["-u", url, "INFO", "all"]).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let mut cpu = 0.0;
    let mut calls = 0;
    let mut scripts = 0;
    for line in text.lines() {
        if let Some(value) =
            line.strip_prefix("used_cpu_user:").or_else(|| line.strip_prefix("used_cpu_sys:"))
        {
            cpu += value.trim().parse::<f64>().ok()?;
        } else if let Some(rest) = line.strip_prefix("cmdstat_") {
            let (name, stats) = rest.split_once(':')?;
            if name == "info" {
                continue;
            }
            let count = stats.split(',').find_map(|field| field.strip_prefix("calls="))?;
            let count = count.parse::<u64>().ok()?;
            calls += count;
            if matches!(name, "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro") {
                scripts += count;
            }
        }
    }
    Some((cpu, calls, scripts))
}
