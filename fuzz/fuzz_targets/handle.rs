#![no_main]
//! Posted session handles into `revoke`. See `session_fuzz::handle::fuzz_handle`.
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| session_fuzz::handle::fuzz_handle(bytes));
