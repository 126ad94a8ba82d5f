#![no_main]
//! Raw values into `inspect` and `inspect_unverified`. See `session_fuzz::inspect::fuzz_inspect`.
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| session_fuzz::inspect::fuzz_inspect(bytes));
