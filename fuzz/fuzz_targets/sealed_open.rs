#![no_main]
//! Raw values into the encrypted format's open path. See `session_fuzz::sealed::fuzz_sealed_open`.
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| session_fuzz::sealed::fuzz_sealed_open(bytes));
