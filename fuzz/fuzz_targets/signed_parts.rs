#![no_main]
//! A valid MAC over fuzzed inner parts → open. See `session_fuzz::fuzz_signed_parts`.
libfuzzer_sys::fuzz_target!(|input: session_fuzz::SignedParts| session_fuzz::fuzz_signed_parts(input));
