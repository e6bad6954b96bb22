//! Sans-IO core of an AWS Lambda client.
#![forbid(unsafe_code)]

pub mod endpoint;
pub mod event_stream;
