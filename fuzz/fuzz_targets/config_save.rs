#![no_main]
//! `Set-Cookie` attribute config → builder → save → open. See `session_fuzz::fuzz_config_save`.
libfuzzer_sys::fuzz_target!(|input: session_fuzz::ConfigInput| session_fuzz::fuzz_config_save(input));
