//! Sans-IO core of an AWS Lambda client.
#![forbid(unsafe_code)]

pub mod credentials;
pub mod endpoint;
pub mod sigv4;
