#![no_main]
//! Raw `Cookie` header bytes → open → save. See `session_fuzz::fuzz_open_header`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| session_fuzz::fuzz_open_header(data));
