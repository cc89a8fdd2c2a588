//! The layout of the compiled word tables: the build script writes them (see `builder.rs`), the
//! scanner reads them where they lie in its binary. Nothing is built or allocated at start-up,
//! and the operating system maps in only the pages a scan touches.
//!
//! A key of up to 15 bytes is packed with its length into 128 bits (see [`pack`]) and sits in
//! an open-addressing table of [`SLOT`]-byte slots, probed one after the other from its
//! [`home`]: the key's low and high halves and its value, little endian. An empty slot is all
//! zeros; no key is zero, since it holds its length. A longer key has a table of its own, of
//! slots of the same size: the key's hash (see [`hash_bytes`]), where its bytes start in a list
//! of keys and its length, then its value.

/// Bytes per slot: two 64-bit halves of the key, a 32-bit value, four bytes of padding.
pub const SLOT: usize = 24;

/// The fewest slots a table has.
pub const MIN_SLOTS: usize = 16;

/// A word of up to 15 bytes, packed with its length in the last byte.
pub fn pack(word: &[u8]) -> Option<u128> {
    let mut key = [0u8; 16];
    key.get_mut(..word.len())?.copy_from_slice(word);
    key[15] = u8::try_from(word.len()).ok().filter(|&l| l <= 15)?;
    Some(u128::from_le_bytes(key))
}

/// The slot where the search for a key starts, in a table of `1 << bits` slots.
#[inline(always)]
pub fn home(key: u128, bits: u32) -> usize {
    let (lo, hi) = (key as u64, (key >> 64) as u64);
    let h = (lo ^ hi.wrapping_mul(0xC2B2_AE3D_27D4_EB4F)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> (64 - bits)) as usize
}

/// The slot at `at`: its key and value.
#[inline(always)]
fn slot(slots: &[u8], at: usize) -> Option<(u128, u32)> {
    let s = slots.get(at * SLOT..at * SLOT + SLOT)?;
    let mut key = [0u8; 16];
    key.copy_from_slice(&s[..16]);
    let mut value = [0u8; 4];
    value.copy_from_slice(&s[16..20]);
    Some((u128::from_le_bytes(key), u32::from_le_bytes(value)))
}

/// The hash of a longer key; never 0, which marks an empty slot.
pub fn hash_bytes(key: &[u8]) -> u64 {
    let mut h = key.len() as u64;
    for chunk in key.chunks(8) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x517C_C1B7_2722_0A95);
    }
    h | 1
}

/// One table: keys of up to 15 bytes in slots; longer ones in slots of their own, each the
/// key's hash, where its bytes start in `keys`, its length, and its value.
pub struct Table {
    slots: &'static [u8],
    bits: u32,
    long: &'static [u8],
    long_bits: u32,
    keys: &'static [u8],
}

/// The number of bits that index `slots`.
fn bits(slots: &[u8]) -> u32 {
    (slots.len() / SLOT).max(MIN_SLOTS).trailing_zeros()
}

impl Table {
    pub fn new(slots: &'static [u8], long: &'static [u8], keys: &'static [u8]) -> Table {
        Table { slots, bits: bits(slots), long, long_bits: bits(long), keys }
    }

    /// The value of a word (0 when absent).
    pub fn get(&self, word: &[u8]) -> u32 {
        match pack(word) {
            Some(key) => self.get_packed(key),
            None => self.get_long(word),
        }
    }

    /// The value of a packed key (0 when absent).
    #[inline]
    pub fn get_packed(&self, key: u128) -> u32 {
        probe(self.slots, self.bits, home(key, self.bits), |k| k == key)
    }

    fn get_long(&self, word: &[u8]) -> u32 {
        let h = hash_bytes(word);
        let at = home(u128::from(h), self.long_bits);
        probe(self.long, self.long_bits, at, |k| {
            let (start, len) = ((k >> 64) as u32 as usize, (k >> 96) as usize);
            k as u64 == h && self.keys.get(start..start + len) == Some(word)
        })
    }

    /// Every key and its value (for the tests that check the tables).
    #[cfg(test)]
    pub fn entries(&self) -> Vec<(Vec<u8>, u32)> {
        let mut out = Vec::new();
        for at in 0..self.slots.len() / SLOT {
            if let Some((k, v)) = slot(self.slots, at).filter(|&(k, _)| k != 0) {
                let bytes = k.to_le_bytes();
                out.push((bytes[..usize::from(bytes[15])].to_vec(), v));
            }
        }
        for at in 0..self.long.len() / SLOT {
            if let Some((k, v)) = slot(self.long, at).filter(|&(k, _)| k != 0) {
                let (start, len) = ((k >> 64) as u32 as usize, (k >> 96) as usize);
                out.push((self.keys[start..start + len].to_vec(), v));
            }
        }
        out
    }
}

/// Linear probing from slot `at` until a key `is` the one sought (its value) or a slot is
/// empty (0).
#[inline(always)]
fn probe(slots: &[u8], bits: u32, mut at: usize, is: impl Fn(u128) -> bool) -> u32 {
    let mask = (1usize << bits) - 1;
    for _ in 0..=mask {
        let Some((k, value)) = slot(slots, at) else { return 0 };
        if k == 0 {
            return 0;
        }
        if is(k) {
            return value;
        }
        at = (at + 1) & mask;
    }
    0
}

/// Lines sorted by bytes, searched by halving: each line's place is noted once.
pub struct Lines {
    data: &'static [u8],
    /// Start and end of each line.
    lines: Vec<(u32, u32)>,
}

impl Lines {
    pub fn new(data: &'static [u8]) -> Lines {
        let mut lines = Vec::new();
        let mut start = 0;
        for line in data.split(|&c| c == b'\n') {
            if !line.is_empty() {
                lines.push((start as u32, (start + line.len()) as u32));
            }
            start += line.len() + 1;
        }
        Lines { data, lines }
    }

    pub fn contains(&self, line: &[u8]) -> bool {
        self.lines.binary_search_by(|&(a, b)| self.data[a as usize..b as usize].cmp(line)).is_ok()
    }
}
