//! A plain `pre-commit` hook for teams without the pre-commit framework.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::source::git::{chain, git_error, open};

/// The line that marks a hook as tokenhound's, so that uninstalling never removes another one.
const MARKER: &str = "# tokenhound pre-commit hook";

/// What [`install_hook`] or [`uninstall_hook`] did, with the hook's path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HookStatus {
    /// The hook was written (there was none, or it was tokenhound's).
    Installed(PathBuf),
    /// Another hook was there and was replaced, as asked.
    Replaced(PathBuf),
    /// tokenhound's hook was removed.
    Removed(PathBuf),
    /// There was no hook to remove.
    NotInstalled(PathBuf),
}

/// Writes a `pre-commit` hook that runs `tokenhound scan --staged` into the hooks directory of
/// the repository at or above `repo` (`core.hooksPath` when set, else `.git/hooks`). An existing
/// hook that tokenhound did not write is left alone unless `force` is true.
pub fn install_hook(repo: impl AsRef<Path>, force: bool) -> Result<HookStatus, Error> {
    let path = hook_path(repo.as_ref())?;
    let existing = std::fs::read_to_string(&path).ok();
    let foreign = std::fs::symlink_metadata(&path).is_ok()
        && !existing.as_deref().is_some_and(|text| text.contains(MARKER));
    if foreign && !force {
        return Err(git_error(
            "a pre-commit hook already exists (use --force to replace it, or run \
             `tokenhound scan --staged` from it)",
        )
        .with_path(&path.display().to_string()));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(e, dir))?;
    }
    if foreign {
        std::fs::remove_file(&path).map_err(|e| Error::io(e, &path))?;
    }
    std::fs::write(&path, script()).map_err(|e| Error::io(e, &path))?;
    make_executable(&path)?;
    Ok(if foreign { HookStatus::Replaced(path) } else { HookStatus::Installed(path) })
}

/// Removes the `pre-commit` hook that [`install_hook`] wrote. A hook tokenhound did not write
/// is an error, and left in place.
pub fn uninstall_hook(repo: impl AsRef<Path>) -> Result<HookStatus, Error> {
    let path = hook_path(repo.as_ref())?;
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(HookStatus::NotInstalled(path));
    }
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    if !text.contains(MARKER) {
        return Err(git_error(
            "this pre-commit hook was not installed by tokenhound; left in place",
        )
        .with_path(&path.display().to_string()));
    }
    std::fs::remove_file(&path).map_err(|e| Error::io(e, &path))?;
    Ok(HookStatus::Removed(path))
}

/// Where git runs the `pre-commit` hook from: `core.hooksPath` (relative to the work tree, as
/// git reads it) or the hooks directory of the common git directory.
fn hook_path(repo: &Path) -> Result<PathBuf, Error> {
    let repo = open(repo)?;
    let config = repo.config_snapshot();
    let dir = match config.trusted_path("core.hooksPath") {
        Ok(Some(dir)) if dir.is_absolute() => dir,
        Ok(Some(dir)) => repo.workdir().unwrap_or(repo.git_dir()).join(dir),
        Err(e) => {
            return Err(git_error(format!("invalid core.hooksPath: {}", chain(&e))));
        }
        Ok(None) => repo.common_dir().join("hooks"),
    };
    Ok(dir.join("pre-commit"))
}

fn script() -> String {
    // Prefer the tokenhound on PATH (upgrades apply); fall back to the binary that installed
    // the hook. Without either, fail closed: a hook that silently passes protects nothing.
    let fallback = std::env::current_exe()
        .ok()
        .filter(|exe| {
            exe.file_stem().is_some_and(|s| s.to_string_lossy().starts_with("tokenhound"))
        })
        .map(|exe| exe.display().to_string().replace('\'', "'\\''"))
        .unwrap_or_default();
    format!(
        "#!/bin/sh\n\
         {MARKER}: blocks commits that add secrets.\n\
         # Installed by `tokenhound hook install`; remove with `tokenhound hook uninstall`.\n\
         # Bypass once with `git commit --no-verify`.\n\
         if command -v tokenhound >/dev/null 2>&1; then\n\
         \x20   exec tokenhound scan --staged\n\
         fi\n\
         fallback='{fallback}'\n\
         if [ -n \"$fallback\" ] && [ -x \"$fallback\" ]; then\n\
         \x20   exec \"$fallback\" scan --staged\n\
         fi\n\
         echo 'tokenhound: not found on PATH; cannot check this commit for secrets' >&2\n\
         exit 1\n"
    )
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| Error::io(e, path))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<(), Error> {
    Ok(())
}
