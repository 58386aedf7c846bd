//! E-mail: templates and their variables, message building, SMTP.
//!
//! Nothing here reads the database or decides what is due; `commands::send`
//! does that and hands finished facts in.

pub mod flowed;
pub mod message;
pub mod smtp;
pub mod templates;
pub mod vars;
