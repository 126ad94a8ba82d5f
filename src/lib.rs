//! The workspace package: owns the end-to-end tests, the examples and the benchmarks. Its
//! library holds the demo app so that the example and the tests serve the same thing.

pub mod demo;
