//! The config file (TOML, then dun's own checks): never a panic, whatever
//! the bytes; a password in it is never echoed in an error.
#![no_main]

use dun::config::Config;
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "s3cr3t-Fuzz-9q";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = Config::parse(text) {
        let _ = format!("{e:#}");
    }
    // The same text with a password line that other keys may trip over.
    let with_secret = format!("[smtp]\nhost = \"x\"\npassword = \"{SECRET}\"\n{text}");
    if let Err(e) = Config::parse(&with_secret) {
        let message = format!("{e:#}");
        if !text.contains(SECRET) {
            assert!(!message.contains(SECRET), "the password was echoed: {message}");
        }
    }
});
