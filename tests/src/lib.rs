//! Support crate for the spec test-suite runner and regression tests (see `tests/`).
