use session_runtime::Session;

#[derive(Session)]
union Visit {
    count: u32,
    flags: u8,
}

fn main() {}
