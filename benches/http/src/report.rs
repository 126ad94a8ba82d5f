//! The report: per variant, medians over the rounds of its own figures and of its per-round
//! ratio and difference to the floor of its framework measured in the same round.

use std::fmt::Write;

/// One variant in one round.
pub struct Sample {
    pub round: usize,
    pub variant: &'static str,
    /// Server CPU time per request, µs.
    pub cpu_us: f64,
    pub rps: f64,
    /// Redis's or PostgreSQL's CPU time per request, µs.
    pub store_us: Option<f64>,
    /// Redis commands per request (those inside scripts included), and scripts per request.
    pub commands: Option<(f64, f64)>,
}

pub struct Table {
    variants: Vec<&'static str>,
    samples: Vec<Sample>,
}

/// The floor a variant is compared with: the same framework without a session layer.
fn floor(variant: &str) -> &'static str {
    if variant.starts_with("actix") { "actix" } else { "axum" }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 })
}

/// `/proc/loadavg`'s first three fields.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

impl Table {
    pub fn new(variants: Vec<&'static str>) -> Self {
        Table { variants, samples: Vec::new() }
    }

    pub fn add(&mut self, sample: Sample) {
        self.samples.push(sample);
    }

    fn of(&self, variant: &str) -> impl Iterator<Item = &Sample> {
        self.samples.iter().filter(move |s| s.variant == variant)
    }

    fn floor_in(&self, variant: &str, round: usize) -> Option<&Sample> {
        self.of(floor(variant)).find(|s| s.round == round)
    }

    pub fn render(&self, load_before: String, load_after: String) -> String {
        let mut out = String::new();
        let rounds = self.samples.iter().map(|s| s.round + 1).max().unwrap_or(0);
        let _ = writeln!(out, "{rounds} rounds; load average before {load_before}, after {load_after}");
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| variant | server CPU per request | × floor | minus floor | req/s | store CPU per request | Redis commands per request (in scripts too) |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
        let us = |v: Option<f64>| v.map_or_else(|| "".to_owned(), |v| format!("{v:.2} µs"));
        for &variant in &self.variants {
            let cpu = median(self.of(variant).map(|s| s.cpu_us).collect());
            let rps = median(self.of(variant).map(|s| s.rps).collect());
            let ratio = median(
                self.of(variant)
                    .filter_map(|s| Some(s.cpu_us / self.floor_in(variant, s.round)?.cpu_us))
                    .collect(),
            );
            let minus = median(
                self.of(variant)
                    .filter_map(|s| Some(s.cpu_us - self.floor_in(variant, s.round)?.cpu_us))
                    .collect(),
            );
            let store = median(self.of(variant).filter_map(|s| s.store_us).collect());
            let commands = median(self.of(variant).filter_map(|s| Some(s.commands?.0)).collect());
            let scripts = median(self.of(variant).filter_map(|s| Some(s.commands?.1)).collect());
            let _ = writeln!(
                out,
                "| {variant} | {} | {} | {} | {} | {} | {} |",
                us(cpu),
                ratio.map_or_else(String::new, |r| format!("{r:.2}×")),
                us(minus),
                rps.map_or_else(String::new, |r| format!("{:.1}k", r / 1000.0)),
                us(store),
                match (commands, scripts) {
                    (Some(c), Some(s)) if s > 0.0 => format!("{c:.2} ({s:.2} scripts)"),
                    (Some(c), _) => format!("{c:.2}"),
                    _ => String::new(),
                },
            );
        }
        out
    }
}
