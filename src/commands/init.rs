//! `dun init`: writes the commented config file.

use std::io::Write;

use anyhow::{Context as _, Result, bail};

use crate::cli::Global;
use crate::config::TEMPLATE;
use crate::exit;

pub fn init(global: &Global, force: bool) -> Result<u8> {
    let path = crate::context::config_path(global)?;
    if path.exists() && !force {
        bail!(
            "{} already exists; dun left it as it is (dun init --force replaces it with the default)",
            path.display()
        );
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    // Write beside it, then rename: a crash never leaves half a config.
    let tmp = path.with_extension("toml.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    file.write_all(TEMPLATE.as_bytes())?;
    file.sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    if !global.quiet {
        let _ = writeln!(
            std::io::stdout(),
            "wrote {}\nedit it to set your name, address and SMTP server; every key is optional",
            path.display()
        );
    }
    Ok(exit::OK)
}
