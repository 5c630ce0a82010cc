//! Integration tests of mskgate-runtime (one test binary; one module per area).

mod event;
