//! Workspace package: owns tests, examples, benches.
