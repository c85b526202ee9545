#!/usr/bin/env bash
# Refresh the bundled genai-prices v2 catalogue (needs network, curl and python3).
#
#   cd crates/trace-prices/data && ./refresh.sh [COMMIT]
#
# Without COMMIT it asks GitHub for the newest commit that touched the file. It downloads the file
# from the raw URL pinned to that commit (never `main`, so the provenance is exact), checks that it
# parses as the v2 list of providers, prints provider/model counts before and after, writes
# genai-prices-v2.json, as-of.txt and the provenance row of README.md. Then run
# `cargo test -p trace-prices` (the crate's own parser is the final validation) and commit.
set -euo pipefail
cd "$(dirname "$0")"

repo=pydantic/genai-prices
path=prices/new_data/v2/data.json
commit=${1:-}
if [ -z "$commit" ]; then
  commit=$(curl -fsSL "https://api.github.com/repos/$repo/commits?path=$path&per_page=1" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["sha"])')
fi
date=$(curl -fsSL "https://api.github.com/repos/$repo/commits/$commit" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["commit"]["committer"]["date"][:10])')

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
curl -fsSL "https://raw.githubusercontent.com/$repo/$commit/$path" -o "$tmp"
curl -fsSL "https://raw.githubusercontent.com/$repo/$commit/LICENSE" -o genai-prices-LICENSE

counts='import json,sys
d=json.load(open(sys.argv[1]))
assert isinstance(d,list) and all("id" in p and isinstance(p.get("models"),list) for p in d), "not a v2 provider list"
for p in d:
    for m in p["models"]:
        assert "id" in m and "match" in m and "prices" in m, (p["id"], m.get("id"))
n=sum(len(p["models"]) for p in d)
print(f"{len(d)} providers, {n} models")'
echo "before: $(python3 -c "$counts" genai-prices-v2.json)"
echo "after:  $(python3 -c "$counts" "$tmp")"

mv "$tmp" genai-prices-v2.json
trap - EXIT
bytes=$(wc -c < genai-prices-v2.json | tr -d ' ')
sha=$(sha256sum genai-prices-v2.json | cut -d' ' -f1)
printf '%s %s\n' "$commit" "$date" > as-of.txt
python3 - "$commit" "$date" "$bytes" "$sha" <<'PY'
import re, sys
commit, date, size, sha = sys.argv[1:]
text = open("README.md").read()
text = re.sub(r"at commit [0-9a-f]{40} \([0-9-]+\), [0-9]+ bytes, sha256 [0-9a-f]{64}",
              f"at commit {commit} ({date}), {size} bytes, sha256 {sha}", text)
open("README.md", "w").write(text)
PY
echo "genai-prices $commit ($date): $bytes bytes, sha256 $sha"
echo "now: cargo test -p trace-prices && git add -A && git commit"
