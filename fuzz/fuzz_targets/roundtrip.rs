#![no_main]
//! Arbitrary data → save → open. See `session_fuzz::fuzz_roundtrip`.
libfuzzer_sys::fuzz_target!(|input: session_fuzz::RoundTrip| session_fuzz::fuzz_roundtrip(input));
