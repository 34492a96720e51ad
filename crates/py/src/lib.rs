//! Python bindings: written in the Python bindings change.
