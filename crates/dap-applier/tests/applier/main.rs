//! The applier's tests: end to end against a moto server (`moto`), and against scripted SDK
//! responses for what moto cannot produce (`scripted`).

mod bootstrap;
mod common;
mod faults;
mod guard;
mod moto;
mod scripted;
mod verify;
