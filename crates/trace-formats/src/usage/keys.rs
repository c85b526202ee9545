//! The key tables every usage object is read through, and their positions in the one list
//! (`USAGE_FIELDS`) the `Value` path and the typed probes share.

/// Scalar count keys, grouped; within a group the first alias in table order wins.
pub(crate) const INPUT: &[&str] = &[
    "prompt_tokens",
    "input_tokens",
    "inputTokens",
    "promptTokens",
    "promptTokenCount",
    "input",
];
pub(crate) const OUTPUT: &[&str] = &[
    "completion_tokens",
    "output_tokens",
    "completionTokens",
    "outputTokens",
    "candidatesTokenCount",
    "output",
];
pub(crate) const TOTAL: &[&str] = &["total_tokens", "totalTokens", "totalTokenCount", "total"];
pub(crate) const CACHE_READ: &[&str] = &[
    "cache_read_tokens",
    "cache_read_input_tokens",
    "cached_tokens",
    "cachedTokens",
    "cacheReadTokens",
    "cacheReadInputTokens",
    "cachedContentTokenCount",
    "cacheRead",
    "cached_input_tokens",
    "cachedInputTokens",
];
/// Scalar write spellings; `cache_write_tokens` (a number or a per-TTL list) is in `LISTS`.
pub(crate) const CACHE_WRITE: &[&str] = &[
    "cache_creation_input_tokens",
    "cacheWriteTokens",
    "cacheCreationInputTokens",
    "cacheWriteInputTokens",
    "cacheWrite",
    "cache_write_input_tokens",
];
pub(crate) const REASONING: &[&str] = &[
    "reasoning_output_tokens",
    "reasoningTokens",
    "reasoning_tokens",
];
/// Gemini's thoughts (outside `candidatesTokenCount`), tool-use prompt (outside
/// `promptTokenCount`), and Relay's uncached input.
pub(crate) const EXTRA: &[&str] = &[
    "thoughtsTokenCount",
    "toolUsePromptTokenCount",
    "uncached_input_tokens",
];
/// Objects read for their parts (`DETAIL_FIELDS`).
pub(crate) const DETAILS: &[&str] = &[
    "prompt_tokens_details",
    "input_tokens_details",
    "completion_tokens_details",
    "output_tokens_details",
    "cache_creation",
];
pub(crate) const DETAIL_FIELDS: &[&str] = &[
    "cached_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "thinking_tokens",
    "ephemeral_5m_input_tokens",
    "ephemeral_1h_input_tokens",
];
/// Values that are a count or a list of per-TTL writes: Relay's `cache_write_tokens`
/// (`[{count, duration}]`) and Bedrock's `cacheDetails` (`[{ttl, inputTokens}]`).
pub(crate) const LISTS: &[&str] = &["cache_write_tokens", "cacheDetails"];
/// The producer's own cost in dollars: Relay's `cost: {total, currency, …}` (TOKENS.md §1.3),
/// harn's `cost_usd` (0.0 means unknown there), ATIF's `metrics.cost_usd`.
pub(crate) const COST: &[&str] = &["cost", "cost_usd"];
/// Keys of a per-TTL write entry: counts, then durations.
pub(crate) const ENTRY_FIELDS: &[&str] = &["count", "inputTokens", "duration", "ttl"];

pub(crate) const AT_OUTPUT: usize = INPUT.len();
pub(crate) const AT_TOTAL: usize = AT_OUTPUT + OUTPUT.len();
pub(crate) const AT_READ: usize = AT_TOTAL + TOTAL.len();
pub(crate) const AT_WRITE: usize = AT_READ + CACHE_READ.len();
pub(crate) const AT_REASONING: usize = AT_WRITE + CACHE_WRITE.len();
pub(crate) const AT_EXTRA: usize = AT_REASONING + REASONING.len();
/// Number of scalar count keys; detail objects and lists follow in `USAGE_FIELDS`.
pub(crate) const N_COUNTS: usize = AT_EXTRA + EXTRA.len();
pub(crate) const AT_DETAILS: usize = N_COUNTS;
pub(crate) const AT_LISTS: usize = AT_DETAILS + DETAILS.len();
pub(crate) const AT_COST: usize = AT_LISTS + LISTS.len();
pub(crate) const N_USAGE_FIELDS: usize = AT_COST + COST.len();
pub(crate) const USAGE_FIELDS: [&str; N_USAGE_FIELDS] = concat(&[
    INPUT,
    OUTPUT,
    TOTAL,
    CACHE_READ,
    CACHE_WRITE,
    REASONING,
    EXTRA,
    DETAILS,
    LISTS,
    COST,
]);
const _: () = assert!(N_USAGE_FIELDS <= 64);

/// The position of `key` in [`USAGE_FIELDS`] (the first, were a key listed twice): one hash
/// probe, where scanning the table compared each key of an object with every name of the
/// same length (~3 k instructions for a harn `iteration_info` of eight keys).
pub(crate) fn usage_field(key: &str) -> Option<usize> {
    static INDEX: std::sync::LazyLock<rustc_hash::FxHashMap<&'static str, u8>> =
        std::sync::LazyLock::new(|| {
            let mut m = rustc_hash::FxHashMap::default();
            for (i, k) in USAGE_FIELDS.iter().enumerate() {
                m.entry(*k).or_insert(i as u8);
            }
            m
        });
    INDEX.get(key).map(|&i| usize::from(i))
}

pub(crate) const fn index_of(key: &str) -> usize {
    let mut i = 0;
    while i < N_USAGE_FIELDS {
        if const_eq(USAGE_FIELDS[i], key) {
            return i;
        }
        i += 1;
    }
    panic!("unknown usage key");
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

pub(crate) const fn concat<const N: usize>(tables: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut t, mut k) = (0, 0);
    while t < tables.len() {
        let mut i = 0;
        while i < tables[t].len() {
            out[k] = tables[t][i];
            k += 1;
            i += 1;
        }
        t += 1;
    }
    assert!(k == N);
    out
}
