//! One integration crate that drives the real `dun` binary in temp dirs.

mod bad_smtp;
mod bank;
mod common;
mod corpus;
mod dovecot;
mod everyday;
mod import;
mod inbox;
mod inbox_ladder;
mod kept_state;
mod ladder_walk;
mod ledger;
mod letters;
mod messages;
mod plans;
mod reliability;
mod send;
mod smtp_server;
mod snapshots;
mod surface;
