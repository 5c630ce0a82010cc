//! (being written: see docs/runtime.md)
