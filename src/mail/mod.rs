//! E-mail: templates and their variables, message building, SMTP; and the
//! inbox: IMAP and Maildir bytes in, MIME parsed into typed facts.
//!
//! Nothing here reads the database or decides what is due; `commands::send`
//! does that and hands finished facts in.

pub mod flowed;
pub mod imap;
pub mod inbound;
pub mod maildir;
pub mod message;
pub mod plan_vars;
pub mod smtp;
pub mod templates;
pub mod vars;
pub mod wire;
