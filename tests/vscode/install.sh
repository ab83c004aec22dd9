#!/bin/sh
# Installs the VS Code end-to-end test's tools into tests/vscode/node_modules, from the pinned
# lock files only (ours, and code-server's own npm-shrinkwrap.json files): code-server 4.100.x
# (VS Code 1.100, runs on Node 20) and puppeteer-core. Run by `make` when package-lock.json
# changes; fails loudly when something is missing.
#
# code-server's postinstall would download ripgrep from GitHub, which this machine cannot
# reach: install without scripts, put Debian's `rg` where @vscode/ripgrep keeps its binary,
# then build the native modules (`npm rebuild`) and do the rest of the postinstall's work.
set -eu
cd "$(dirname "$0")"

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "installing $2 (Debian) for $1" >&2
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
	fi
	command -v "$1" >/dev/null 2>&1 || { echo "vscode e2e: $1 is missing (Debian package $2)" >&2; exit 1; }
}
need rg ripgrep
need chromium chromium
need g++ g++
need make make
if ! [ -e /usr/include/krb5.h ] && ! [ -e /usr/include/gssapi/gssapi.h ]; then
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libkrb5-dev >/dev/null
	else
		echo "vscode e2e: libkrb5-dev is missing (code-server's kerberos module builds against it)" >&2
		exit 1
	fi
fi
case "$(node --version)" in
v20.*) ;;
*) echo "vscode e2e: code-server 4.100 needs Node 20, found $(node --version)" >&2; exit 1 ;;
esac

# npm_config_yes: node-pty's install script runs `npx node-gyp`, which would ask on a terminal
export npm_config_audit=false npm_config_fund=false npm_config_yes=true
# what npm's cache holds is not asked for again; a stalled download is retried after a minute
export npm_config_prefer_offline=true npm_config_fetch_timeout=60000 npm_config_fetch_retries=4
npm ci --ignore-scripts
npm rebuild argon2

code=node_modules/code-server/lib/vscode
(cd "$code" && npm install --omit=dev --ignore-scripts --no-save)
mkdir -p "$code/node_modules/@vscode/ripgrep/bin"
ln -sf "$(command -v rg)" "$code/node_modules/@vscode/ripgrep/bin/rg"
# the native modules (node-pty, kerberos, spdlog, watcher, ...); ripgrep's script sees bin/ and
# downloads nothing
(cd "$code" && npm rebuild)
# what code-server's postinstall.sh does besides
(cd "$code" && rm -rf node_modules.asar && ln -s node_modules node_modules.asar)
(cd "$code/bin/remote-cli" && ln -sf code-linux.sh code-server)
(cd "$code/bin/helpers" && ln -sf browser-linux.sh browser.sh)
(cd "$code/extensions" && npm install --omit=dev --ignore-scripts --no-save)
test -x "$code/node_modules/@vscode/ripgrep/bin/rg"
echo "vscode e2e tools installed: code-server $(node -p 'require("./node_modules/code-server/package.json").version')"
